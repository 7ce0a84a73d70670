// Vite handles CSS imports (bundled into the page's stylesheet).
declare module "*.css";
