// Triggers on storage.objects that close two holes of storage-api < v0.48.3: the move hole
// (issue #11, below) and crafted upload types (issue 20 item 2, the second function in the SQL).
//
// What those versions send for POST /object/move (src/storage/object.ts, moveObject): an UPDATE of
// the *source* under the user's RLS, then the *destination* row as an INSERT run as the service
// role (set_config('role', 'service_role')), which bypasses RLS and writes owner NULL. The
// service role's claims replace the user's in request.jwt.claims, so the guard cannot read the
// user from there. What survives is request.headers (the whole request's headers, with the
// user's `authorization: Bearer <jwt>`, verified by the service before any SQL) and request.path
// (request.url as the client sent it, src/http/plugins/db.ts:29); setScope in
// src/database/connection.ts sets both on every transaction.
//
// Rule: on the move route, a destination row (an INSERT, or an UPDATE that renames) must lie in
// the acting user's folder `<uid>/…`, unless the token's role bypasses RLS anyway (service_role).
// A refused destination raises 42501, which storage-api answers with HTTP 400, `"statusCode":"403"`
// in the body (its userStatusCode; README, Storage). An allowed one gets the
// acting user as owner (the service would write NULL). Uploads, upserts, copies and deletes are
// other routes and never reach the rule.
import * as pulumi from "@pulumi/pulumi";
import { changedKeys, DbConnection, inTransaction } from "./connection";

export const MOVE_GUARD_FUNCTION = "storage.platform_guard_object_move";
export const MOVE_GUARD_TRIGGER = "platform_guard_object_move";
export const MIME_GUARD_FUNCTION = "storage.platform_guard_object_mimetype";
export const MIME_GUARD_TRIGGER = "platform_guard_object_mimetype";

/** The function and trigger, created or replaced in one transaction. */
export const MOVE_GUARD_SQL = `
create or replace function ${MOVE_GUARD_FUNCTION}() returns trigger
language plpgsql set search_path = '' as $guard$
declare
  route text := lower(coalesce(current_setting('request.path', true), ''));
  code text;
  token text;
  claims jsonb := '{}';
  sub text;
begin
  -- request.path is the raw request.url. The router (find-my-way, v7.6 in v0.43.11) first turns an
  -- absolute-form target 'http(s)://host/...' into its path, then cuts at the first ?, ; or #, then
  -- decodes %XX before matching; the guard does the same, so every spelling it dispatches to the
  -- move handler is recognised (issue 20 item 1: the absolute form and '#' reached it unguarded).
  route := regexp_replace(route, '^[a-z][a-z0-9+.-]*://[^/]*', '');
  route := split_part(split_part(split_part(route, '?', 1), ';', 1), '#', 1);
  for i in 1..64 loop
    code := substring(route from '%([0-9a-f]{2})');
    exit when code is null;
    route := overlay(route placing case when code = '00' then '' else chr(('x' || code)::bit(8)::int) end
                     from position('%' || code in route) for 3);
  end loop;
  if route !~ '^(/+storage/+v1)?/+object/+move/*$' then
    return new;
  end if;
  if tg_op = 'UPDATE' and new.name is not distinct from old.name and new.bucket_id is not distinct from old.bucket_id then
    return new;
  end if;

  -- The request's own token: its payload, as the service verified it. Unreadable means refused.
  begin
    token := substring(coalesce(current_setting('request.headers', true), '{}')::jsonb ->> 'authorization' from '^[Bb]earer +([^ ]+)$');
    token := translate(split_part(token, '.', 2), '-_', '+/');
    claims := convert_from(decode(rpad(token, (length(token) + 3) / 4 * 4, '='), 'base64'), 'utf8')::jsonb;
  exception when others then
    claims := '{}';
  end;
  if exists (select 1 from pg_catalog.pg_roles r where r.rolname = claims ->> 'role' and (r.rolbypassrls or r.rolsuper)) then
    return new;
  end if;

  sub := claims ->> 'sub';
  if sub is null or (storage.foldername(new.name))[1] is distinct from sub then
    raise exception using
      errcode = '42501',
      message = 'new row violates row-level security policy for table "objects"',
      detail = format('storage move to %s/%s refused: a user moves only within their own folder %s/', new.bucket_id, new.name, coalesce(sub, '<no user>')),
      hint = 'copy the object, then delete the original (see docs/database.md, Storage)';
  end if;
  if tg_op = 'INSERT' and new.owner is null then
    new := jsonb_populate_record(new, jsonb_build_object(
      'owner', case when sub ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then sub end,
      'owner_id', sub));
  end if;
  return new;
end
$guard$;
revoke all on function ${MOVE_GUARD_FUNCTION}() from public;

-- The type storage-api stores for an upload (metadata.mimetype, written as the superuser once the
-- file is in the backend, src/storage/uploader.ts:101-104) must be exactly one of the bucket's
-- allowed types, or of a type/* they allow: v0.43.11 checks only the first two '/'-separated parts
-- (uploader.ts:227-249), so 'image/png/html' passes its check and is served with that type
-- (issue 20 item 2). Buckets without allowed types are not checked.
create or replace function ${MIME_GUARD_FUNCTION}() returns trigger
language plpgsql set search_path = '' as $mime$
declare
  allowed text[];
  mimetype text := lower(new.metadata ->> 'mimetype');
begin
  if mimetype is null then
    return new;
  end if;
  select b.allowed_mime_types into allowed from storage.buckets b where b.id = new.bucket_id;
  if allowed is null or cardinality(allowed) = 0 then
    return new;
  end if;
  if mimetype ~ '^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$' and exists (
       select 1 from unnest(allowed) a
        where lower(a) = mimetype or (lower(a) like '%/*' and split_part(lower(a), '/', 1) = split_part(mimetype, '/', 1))) then
    return new;
  end if;
  raise exception using
    errcode = '22023',
    message = format('mime type %s is not supported', new.metadata ->> 'mimetype'),
    detail = format('bucket %s allows exactly: %s', new.bucket_id, array_to_string(allowed, ', ')),
    hint = 'send one of the bucket''s types as the Content-Type, with no suffix or parameters';
end
$mime$;
revoke all on function ${MIME_GUARD_FUNCTION}() from public;
drop trigger if exists ${MIME_GUARD_TRIGGER} on storage.objects;
create trigger ${MIME_GUARD_TRIGGER} before insert or update of metadata on storage.objects
  for each row execute function ${MIME_GUARD_FUNCTION}();
drop trigger if exists ${MOVE_GUARD_TRIGGER} on storage.objects;
create trigger ${MOVE_GUARD_TRIGGER} before insert or update of name, bucket_id on storage.objects
  for each row execute function ${MOVE_GUARD_FUNCTION}();
`;

export const MOVE_GUARD_DROP_SQL = `
drop trigger if exists ${MIME_GUARD_TRIGGER} on storage.objects;
drop function if exists ${MIME_GUARD_FUNCTION}();
drop trigger if exists ${MOVE_GUARD_TRIGGER} on storage.objects;
drop function if exists ${MOVE_GUARD_FUNCTION}();
`;

export interface MoveGuardInputs {
    connection: DbConnection;
    /** The storage image the guard is for: shown in the diff when an upgrade removes the guard. */
    storageImage: string;
    /** The guard's SQL, so a change to it is an update `pulumi preview` shows. */
    definition: string;
}

export const moveGuardProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: MoveGuardInputs, news: MoveGuardInputs) {
        const changes = changedKeys(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>, ["storageImage", "definition", "connection"]);
        return { changes: changes.length > 0, replaces: [], deleteBeforeReplace: false };
    },

    async create(inputs: MoveGuardInputs) {
        await inTransaction(inputs.connection, (client) => client.query(inputs.definition));
        return { id: "storage.objects/platform_guard_object_move", outs: inputs };
    },

    async update(_id: string, _olds: MoveGuardInputs, news: MoveGuardInputs) {
        await inTransaction(news.connection, (client) => client.query(news.definition));
        return { outs: news };
    },

    async delete(_id: string, props: MoveGuardInputs) {
        await inTransaction(props.connection, (client) => client.query(MOVE_GUARD_DROP_SQL));
    },
};

export interface MoveGuardArgs {
    connection: pulumi.Input<DbConnection>;
    storageImage: pulumi.Input<string>;
}

/** The move guard (`pulumi-nodejs:dynamic/database:StorageMoveGuard`). */
export class StorageMoveGuard extends pulumi.dynamic.Resource {
    constructor(name: string, args: MoveGuardArgs, opts?: pulumi.CustomResourceOptions) {
        super(moveGuardProvider, name, { ...args, definition: MOVE_GUARD_SQL }, { ...opts, additionalSecretOutputs: ["connection"] }, "database", "StorageMoveGuard");
    }
}
