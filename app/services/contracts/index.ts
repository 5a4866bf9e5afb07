// The contract registry's public surface. The checkout registers a platform contract inside its completion
// transaction with registerContract(trx, { source: "platform", orderId, ... }) and voids it on refund with
// voidContract(trx, { contractId, reason, actorUserId }).
export {
  ContractNotFoundError,
  ContractRejectedError,
  VoidRejectedError,
  findContractByOrder,
  getContract,
  listContracts,
  registerContract,
  voidContract,
  type ContractFilters,
  type ContractListRow,
  type RegisterContractInput,
} from "./registry";
export { importContractsCsv, validateContractsCsv, type ImportResult, type LineError } from "./import";
export { CONTRACT_COLUMNS, type ContractColumn, type ContractDraft, type Problem } from "./validation";
