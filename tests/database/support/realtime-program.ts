// The program's database layer with Realtime switched on, for the tests: the same components
// SupabasePlatform builds (cluster, secrets, PostgreSQL, DatabaseLayer), with `realtime.enabled`
// passed as the platform will once Realtime is deployed. Loaded through runProgram's `load`.
import { loadPlatformConfig } from "../../../components/program-rules";
import { ClusterPrerequisites } from "../../../components/cluster";
import { DatabaseLayer } from "../../../components/database/layer";
import { Postgres } from "../../../components/services/postgres";
import { SecretBundle } from "../../../components/secrets";

const config = loadPlatformConfig();
const cluster = new ClusterPrerequisites("cluster", { config });
const namespace = cluster.namespaceName;
const bundle = new SecretBundle("bundle", { config, namespace });
const postgres = new Postgres("postgres", { config, namespace, bundle, storageClass: cluster.storageClass });
new DatabaseLayer("database", { config, namespace, bundle, postgres, realtime: { enabled: true } });

export const anonKey = bundle.values.anonKey;
export const serviceRoleKey = bundle.values.serviceRoleKey;
export const jwtSecret = bundle.values.jwtSecret;
