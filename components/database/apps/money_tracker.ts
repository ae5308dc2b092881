// money_tracker: personal finances. Every row belongs to one user and only that user sees or
// changes it; receipts are private files under the user's own folder.
import { AppDefinition, CURRENT_USER_ID, ownerFolderPolicies, ownerPolicies, PolicyDefinition, READ_WRITE } from "../model";
import { userChannelPolicies } from "../realtime-model";

const owner = { name: "user_id", type: "uuid", default: "auth.uid()", references: { table: "auth.users", column: "id", onDelete: "cascade" as const } };
/** A row may only point at a category of the same user (the subquery is itself under RLS). */
const categoryIsOwn = `exists (select 1 from money_tracker.categories c where c.id = category_id and c.user_id = ${CURRENT_USER_ID})`;
const alsoChecking = (extra: string) => (p: PolicyDefinition): PolicyDefinition =>
    p.withCheck ? { ...p, withCheck: `${p.withCheck} and (${extra})` } : p;

export const moneyTracker: AppDefinition = {
    schema: "money_tracker",
    description: "Money tracker: transactions, categories and monthly budgets, private to each user.",
    tables: [
        {
            name: "categories",
            description: "A user's spending or income categories.",
            columns: [
                { name: "id", type: "uuid", default: "gen_random_uuid()" },
                owner,
                { name: "name", type: "text", check: "length(name) between 1 and 80" },
                { name: "kind", type: "text", default: "'expense'", check: "kind in ('expense', 'income')" },
                { name: "created_at", type: "timestamptz", default: "now()" },
            ],
            primaryKey: ["id"],
            // Leads with user_id, so it also serves the owner lookups of the policies.
            unique: [["user_id", "name"]],
            ownerColumn: "user_id",
            grants: { authenticated: READ_WRITE },
            policies: ownerPolicies("categories"),
        },
        {
            name: "transactions",
            description: "One income (positive) or expense (negative) of a user.",
            columns: [
                { name: "id", type: "uuid", default: "gen_random_uuid()" },
                owner,
                { name: "amount", type: "numeric(12,2)", check: "amount <> 0" },
                { name: "occurred_on", type: "date", default: "current_date" },
                { name: "description", type: "text", default: "''" },
                { name: "category_id", type: "uuid", nullable: true, references: { table: "money_tracker.categories", column: "id", onDelete: "set null" } },
                { name: "created_at", type: "timestamptz", default: "now()" },
            ],
            primaryKey: ["id"],
            indexes: [
                { name: "transactions_user_id_occurred_on_idx", columns: ["user_id", "occurred_on"] },
                { name: "transactions_category_id_idx", columns: ["category_id"] },
            ],
            ownerColumn: "user_id",
            grants: { authenticated: READ_WRITE },
            policies: ownerPolicies("transactions").map(alsoChecking(`category_id is null or ${categoryIsOwn}`)),
            // Realtime postgres_changes: a client subscribed to this table gets the changes its
            // select policy lets it read (Realtime checks each change under the user's role).
            realtime: true,
        },
        {
            name: "budgets",
            description: "A user's spending limit for one category and month.",
            columns: [
                { name: "id", type: "uuid", default: "gen_random_uuid()" },
                owner,
                { name: "category_id", type: "uuid", references: { table: "money_tracker.categories", column: "id", onDelete: "cascade" } },
                { name: "month", type: "date", check: "month = date_trunc('month', month)::date" },
                { name: "amount", type: "numeric(12,2)", check: "amount > 0" },
            ],
            primaryKey: ["id"],
            unique: [["user_id", "category_id", "month"]],
            indexes: [{ name: "budgets_category_id_idx", columns: ["category_id"] }],
            ownerColumn: "user_id",
            grants: { authenticated: READ_WRITE },
            policies: ownerPolicies("budgets").map(alsoChecking(categoryIsOwn)),
        },
    ],
    buckets: [
        {
            id: "money-tracker-receipts",
            public: false,
            fileSizeLimit: 5 * 1024 * 1024,
            allowedMimeTypes: ["image/png", "image/jpeg", "image/heic", "application/pdf"],
            policies: ownerFolderPolicies("money-tracker-receipts"),
        },
    ],
    // Private Realtime channel `user:<user id>` (e.g. "budget exceeded" broadcasts from the
    // backend): only that user joins it or sends on it.
    realtimeChannels: userChannelPolicies("money_tracker"),
};
