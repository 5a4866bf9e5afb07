import { flatRoutes } from "@remix-run/fs-routes";
import type { RouteConfig } from "@remix-run/route-config";
import { routeConventions } from "../remix.config.js";

export default flatRoutes(routeConventions) satisfies RouteConfig;
