// Remix options. vite.config.ts passes `remixOptions` to the Remix Vite plugin and app/routes.ts
// applies `routeConventions` (v3_routeConfig moves route conventions into routes.ts).

/** Flat file routes under app/routes; these files are never routes. */
export const routeConventions = {
  rootDirectory: "routes",
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}", "**/*.css", "**/*.md"],
};

/** @type {import('@remix-run/dev').VitePluginConfig} */
export const remixOptions = {
  appDirectory: "app",
  buildDirectory: "build",
  serverModuleFormat: "esm",
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_lazyRouteDiscovery: true,
    v3_singleFetch: true,
    v3_routeConfig: true,
  },
};

export default remixOptions;
