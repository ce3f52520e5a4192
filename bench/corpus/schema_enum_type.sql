-- expect: risky
-- family: schema
-- source: https://kaveland.no/eugene/hints/W13 (creating an enum: values cannot be removed or reordered later)
CREATE TYPE shipment_state AS ENUM ('pending', 'sent', 'delivered');
