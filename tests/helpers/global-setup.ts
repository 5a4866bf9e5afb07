import type { TestProject } from "vitest/node";
import postgres from "postgres";
import { openDatabase } from "../../db/client";
import { migrateToLatest } from "../../db/migrate";
import { databaseUrlFor } from "./db-url";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string | null;
  }
}

// On a PostgreSQL server, migrate once into a template database; each test file then copies it (CREATE DATABASE …
// TEMPLATE), which takes milliseconds and keeps files isolated from one another.
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    project.provide("templateDatabase", null);
    return;
  }
  const template = `market_tpl_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${template}`);
  await admin.unsafe(`create database ${template}`);
  const handle = await openDatabase({ url: databaseUrlFor(serverUrl, template), maxConnections: 1 });
  await migrateToLatest(handle.db);
  await handle.close();
  project.provide("templateDatabase", template);
  return async () => {
    await admin.unsafe(`drop database if exists ${template} with (force)`);
    await admin.end();
  };
}
