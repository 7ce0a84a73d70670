// Public API of agent/ (see shared/DESIGN.md section 3).
export {};
