{#- Every ordered pair of distinct LAs with the great-circle distance between their centroids
    (miles, haversine) and whether they share a border. -#}
with

centroids as (

    select la_code, latitude, longitude from {{ ref('stg_ons_geography__centroids') }}

),

neighbours as (

    select la_code, neighbour_la_code from {{ ref('stg_ons_geography__neighbours') }}

),

pairs as (

    select
        sending.la_code as sending_la_code,
        receiving.la_code as receiving_la_code,
        radians(sending.latitude) as lat1,
        radians(receiving.latitude) as lat2,
        radians(receiving.latitude - sending.latitude) as dlat,
        radians(receiving.longitude - sending.longitude) as dlon

    from centroids as sending
    cross join centroids as receiving
    where sending.la_code <> receiving.la_code

),

measured as (

    select
        sending_la_code,
        receiving_la_code,
        2 * 3958.8 * asin(sqrt(
            power(sin(dlat / 2), 2) + cos(lat1) * cos(lat2) * power(sin(dlon / 2), 2)
        )) as distance_miles

    from pairs

),

final as (

    select
        measured.sending_la_code,
        measured.receiving_la_code,
        measured.distance_miles,
        ln(measured.distance_miles) as log_distance,
        case when neighbours.la_code is null then 0 else 1 end as shares_border

    from measured
    left join neighbours
        on measured.sending_la_code = neighbours.la_code
        and measured.receiving_la_code = neighbours.neighbour_la_code

)

select * from final
