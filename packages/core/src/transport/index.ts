// Public API of transport/ (see shared/DESIGN.md section 3).
export {};
