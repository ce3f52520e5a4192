-- A new tenant table, exposed to every role without row-level security.
create table public.invoices (
  id bigint generated always as identity primary key,
  organization_id bigint not null,
  total numeric not null,
  meta json
);
grant select on public.invoices to public;

create function public.invoice_total(org bigint) returns numeric
language sql security definer
as $$ select sum(total) from public.invoices where organization_id = org $$;

-- The safe shapes stay quiet: RLS with a policy, and a definer function with a fixed search_path that
-- only the roles meant to call it can execute.
create table public.payments (
  id bigint generated always as identity primary key,
  organization_id bigint not null
);
alter table public.payments enable row level security;
create policy "by org" on public.payments using (organization_id = 1);
grant select on public.payments to public;

create function public.payment_count(org bigint) returns bigint
language sql security definer set search_path = pg_catalog, pg_temp
as $$ select count(*) from public.payments where organization_id = org $$;
revoke execute on function public.payment_count(bigint) from public, anon, authenticated;
