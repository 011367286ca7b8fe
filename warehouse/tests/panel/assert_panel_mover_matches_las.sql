{#- Mover flag agrees with the two LAs, and distance is 0 exactly for stayers and positive for
    movers. -#}
{{ config(tags=['panel']) }}

select pidp, teen_la_code, adult_la_code, is_mover, distance_miles
from {{ ref('fct_teen_adult_links') }}
where is_mover <> (teen_la_code <> adult_la_code)
    or (not is_mover and distance_miles <> 0)
    or (is_mover and distance_miles <= 0)
