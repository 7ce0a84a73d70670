// Public API of wire/ (see shared/DESIGN.md section 3): inferred types only, never the schemas.
export type {
  WireActivityRow,
  WireCreateWorkspaceResponse,
  WireDelegateResponse,
  WireDiscoverResponse,
  WireJsonRpcResponse,
  WirePeer,
  WireRegisterResponse,
  WireStateResponse,
  WireTokenList,
  WireWorkspace,
} from "./schemas.js";
