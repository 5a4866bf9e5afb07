import { redirect } from "@remix-run/node";

// Browsers ask for /favicon.ico whatever the page links; point them at the SVG icon.
export const loader = () => redirect("/favicon.svg", 301);
