{#- Census 2011 moves between area types by NS-SEC and by ethnicity, for each typology: one row
    per sending type x receiving type x breakdown x category, plus 'All areas' margins (out of
    a type to anywhere typed, into a type from anywhere typed, and overall), with the share of
    the category among that row's moves in the breakdown. The SPEC's descriptive is the IMD
    2010 rows: flows into and out of deprived areas by NS-SEC and by ethnicity. Both ends must
    carry the typology (IMD and SMI: England only). -#}
with

by_group as (

    select * from {{ ref('stg_ons_census__la_od_2011_by_group') }}

),

local_authorities as (

    select * from {{ ref('dim_local_authorities') }}

),

typed as (

    {%- for t in typologies() %}
    select
        '{{ t.name }}' as typology,
        sending.{{ t.column }} as sending_type,
        receiving.{{ t.column }} as receiving_type,
        by_group.breakdown,
        by_group.category,
        by_group.moves
    from by_group
    inner join local_authorities as sending on by_group.sending_la_code = sending.la_code
    inner join local_authorities as receiving on by_group.receiving_la_code = receiving.la_code
    where sending.{{ t.column }} is not null and receiving.{{ t.column }} is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

summed as (

    select
        typology,
        case when grouping(sending_type) = 1 then 'All areas' else sending_type end
            as sending_type,
        case when grouping(receiving_type) = 1 then 'All areas' else receiving_type end
            as receiving_type,
        breakdown,
        category,
        sum(moves) as moves

    from typed
    group by grouping sets (
        (typology, sending_type, receiving_type, breakdown, category),
        (typology, sending_type, breakdown, category),
        (typology, receiving_type, breakdown, category),
        (typology, breakdown, category)
    )

),

final as (

    select
        typology,
        sending_type,
        receiving_type,
        breakdown,
        category,
        moves,
        moves / nullif(
            sum(moves) over (partition by typology, sending_type, receiving_type, breakdown), 0
        ) as share

    from summed

)

select * from final
