create table public.profiles (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  username text unique
);
alter table public.profiles enable row level security;
create policy "own profile" on public.profiles for select using (user_id = gen_random_uuid());
