// A minimal app-side Pulumi program (the money_tracker app's repo): reads the platform stack of
// the same environment and exports what the front-end build needs.
import * as pulumi from "@pulumi/pulumi";
import { platformStackName, readPlatform } from "./platform";

// Same organization and environment (stack name) as this app stack: app `prod` reads platform `prod`.
const platform = new pulumi.StackReference(platformStackName(pulumi.getOrganization(), pulumi.getStack()));
const { apiUrl, anonKey, app } = readPlatform(platform, "money_tracker");

// Values for the front end's build (e.g. VITE_SUPABASE_URL / VITE_SUPABASE_ANON_KEY).
export const supabaseUrl = apiUrl;
export const supabaseAnonKey = anonKey;
export const schema = app.schema;
