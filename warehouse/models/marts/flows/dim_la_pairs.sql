with

pairs as (

    select * from {{ ref('int_la_pairs_measured') }}

),

final as (

    select
        sending_la_code,
        receiving_la_code,
        distance_miles,
        log_distance,
        shares_border

    from pairs

)

select * from final
