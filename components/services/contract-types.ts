// The shape of an image contract: what one pinned image reads, serves, ships and writes, each fact
// read from that image's own source at its tag. Data only; tests/contracts.test.ts holds every
// rendered workload against the contract of the image it runs.

/** Where a fact was read: repository, tag (or commit), path and, where useful, a line. */
export interface SourceRef {
    /** owner/name of the public repository, e.g. "Kong/docker-kong". */
    repo: string;
    /** The tag or commit the fact was read at, e.g. "2.8.1". */
    tag: string;
    path: string;
    line?: number;
}

/** An environment variable the image's process (or its entrypoint) reads. */
export interface EnvVarFact {
    name: string;
    /** The process refuses to start (or cannot work) without it. */
    required: boolean;
    /** The default the source applies when it is unset; omitted when there is none. */
    default?: string;
    source: SourceRef;
    note?: string;
    /** Other names the source accepts for the same setting (e.g. envconfig's unprefixed alt); any one satisfies `required`. */
    aliases?: string[];
}

/** A family of variables read by prefix (e.g. every KONG_* becomes a kong.conf property). */
export interface EnvPrefixFact {
    prefix: string;
    source: SourceRef;
    note?: string;
}

export interface PortFact {
    port: number;
    protocol: "TCP" | "UDP";
    purpose: string;
    /** The variable that moves it, if any (the contract test then reads the port from env). */
    env?: string;
    /** Not served at all unless `env` is set (e.g. Kong's status listener defaults to off). */
    offUnlessEnvSet?: boolean;
    source: SourceRef;
}

export interface HealthFact {
    /** HTTP path, or "tcp" for a socket check, or "exec" for a command. */
    path: string;
    port: number;
    source: SourceRef;
    note?: string;
}

export interface PathFact {
    /**
     * The path, or a template naming the variable that holds it: "${FILE_STORAGE_BACKEND_PATH}".
     * The contract test expands each ${VAR} from the container's env; an unset one is a finding.
     */
    path: string;
    source: SourceRef;
    note?: string;
    /** The variable that moves it (e.g. KONG_PREFIX); the contract test then reads the path from env. */
    env?: string;
    /**
     * Shipped directories only: the image is built to take extra files mounted inside it (e.g.
     * /docker-entrypoint-initdb.d). Otherwise a mount inside a shipped directory counts as a shadow.
     */
    mountsInsideAllowed?: boolean;
    /**
     * Written paths only: the process writes here only when this variable has this value (e.g. the
     * file backend, STORAGE_BACKEND=file). Otherwise the feature is off and the path not checked;
     * an unset variable takes the default from env.reads.
     */
    when?: { env: string; equals: string };
}

export interface UserFact {
    /** Numeric UID the image runs as; null when the image does not set one (root). */
    uid: number | null;
    gid?: number | null;
    name?: string;
    /** The source names the user but fixes no numeric UID (e.g. `adduser -S`); uid is then null and means nothing. */
    uidUnstated?: boolean;
    /**
     * The build file that sets the user could not be read (e.g. Studio's Dockerfile at ce42139), so
     * uid means nothing: not root, unknown. The contract test lists the user check as unverified,
     * quoting the `unknowns` entry marked `user`.
     */
    unread?: boolean;
    source: SourceRef;
}

/** A fact the source does not state; recorded so that nobody guesses it later. */
export interface UnknownFact {
    fact: string;
    why: string;
    /**
     * The one variable this is about, when the source could not say whether the image reads it. A
     * program that sets it is listed under "could not verify": neither passed nor failed.
     */
    env?: string;
    /** This bears on the user the image may run as; the user check is listed under "could not verify". */
    user?: boolean;
}

export interface ImageContract {
    /** The service key used by the program, e.g. "kong". */
    service: string;
    /** Image reference without registry host, e.g. "kong" + tag "2.8.1". */
    image: string;
    tag: string;
    env: {
        /** Every variable this version reads (not only the ones the program sets). */
        reads: EnvVarFact[];
        prefixes?: EnvPrefixFact[];
    };
    ports: PortFact[];
    health: HealthFact[];
    user: UserFact;
    /** Directories the image ships content in: no volume may be mounted on or above them. */
    shippedPaths: PathFact[];
    /** Paths the process writes at runtime: they need a writable mount under a read-only root. */
    writablePaths: PathFact[];
    entrypoint: {
        command?: string[];
        args?: string[];
        source: SourceRef;
        note?: string;
    };
    unknowns: UnknownFact[];
}
