// Public API of inbound/ (see shared/DESIGN.md section 3).
export {};
