// Public API of plugins/ (see shared/DESIGN.md section 3).
export {};
