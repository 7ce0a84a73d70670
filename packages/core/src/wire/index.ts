// Public API of wire/ (see shared/DESIGN.md section 3).
export {};
