import { contractsStep } from "./contracts";
import { ordersStep } from "./orders";
import { organisationsStep } from "./organisations";
import { payeesStep } from "./payees";
import { resultsStep } from "./results";
import type { SeedStep } from "./types";
import { usersStep } from "./users";

/**
 * The demo seed, in order. Later capabilities add their own step in their own file under db/seed/ and one line here
 * (vouchers, orders, contracts…); each step gets its own random stream, so adding one changes no other step's data.
 */
export const SEED_STEPS: readonly SeedStep[] = [
  organisationsStep,
  usersStep,
  payeesStep,
  resultsStep,
  contractsStep,
  ordersStep,
];
