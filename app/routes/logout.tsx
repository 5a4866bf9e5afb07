import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { destroyUserSession } from "~/session.server";

// Log-out is a POST (the header's form), so a link or an image on another site cannot sign anyone out.
export async function action({ request }: ActionFunctionArgs) {
  return redirect("/", { headers: { "Set-Cookie": await destroyUserSession(request) } });
}

export const loader = () => redirect("/");
