-- Within every (typology, sending type, receiving type, breakdown) of the census by-group
-- mart the category shares add up to one, and each margin equals the sum of its cells.
-- Returns offending rows.
with

groups as (

    select * from {{ ref('fct_census_type_pair_flows_by_group') }}

),

share_totals as (

    select typology, sending_type, receiving_type, breakdown, sum(share) as total_share
    from groups
    group by typology, sending_type, receiving_type, breakdown

),

cells as (

    select typology, sending_type, breakdown, category, sum(moves) as cell_moves
    from groups
    where sending_type <> 'All areas' and receiving_type <> 'All areas'
    group by typology, sending_type, breakdown, category

),

margins as (

    select typology, sending_type, breakdown, category, moves as margin_moves
    from groups
    where sending_type <> 'All areas' and receiving_type = 'All areas'

)

select typology, sending_type, breakdown, null as category, total_share as bad_value
from share_totals
where abs(total_share - 1) > 1e-9
union all
select cells.typology, cells.sending_type, cells.breakdown, cells.category, cells.cell_moves
from cells
full outer join margins
    on cells.typology = margins.typology
    and cells.sending_type = margins.sending_type
    and cells.breakdown = margins.breakdown
    and cells.category = margins.category
where cells.cell_moves is null
    or margins.margin_moves is null
    or abs(cells.cell_moves - margins.margin_moves) > 1e-6
