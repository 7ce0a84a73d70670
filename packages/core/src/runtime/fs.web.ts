// fs.ts for the edge build (`dist/edge/`): no file system. The file stores check `hasFileSystem`
// (process.web.ts) at construction and refuse with `module_unavailable`, so these are never reached.

const none = (): never => {
  throw Object.assign(new Error("this runtime has no file system; use the Node.js runtime"), {
    code: "module_unavailable",
  });
};

export const chmod = none;
export const link = none;
export const closeNow = none;
export const datasyncFd = none;
export const mkdir = none;
export const open = none;
export const openAppend = none;
export const readdir = none;
export const readFile = none;
export const realpath = none;
export const rename = none;
export const rm = none;
export const stat = none;
export const unlink = none;
export const writeFile = none;
export const writeNow = none;
export const homedir = none;
export const basename = none;
export const dirname = none;
export const join = none;
export const resolve = none;
export const sep = "/";
