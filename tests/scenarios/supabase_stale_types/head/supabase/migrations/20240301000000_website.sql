alter table public.profiles add column website text;
alter table public.profiles alter column bio set not null;
alter table public.profiles drop column username;
