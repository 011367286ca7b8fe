-- A migration rate is a share of the sending population: it must lie in [0, 1].
select *
from {{ ref('fct_type_pair_migration_rates') }}
where rate < 0 or rate > 1 or rate is null
