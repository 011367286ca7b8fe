{#- Census 2021 LA OD moves (year before census day, 21 March 2021) on the current vintage.
    The file exists only when the public files were prepared with --vintage current (2021 LAs
    are never split back onto the study's 2011-2018 LAs); otherwise this model is empty. -#}
{%- set census_2021 = source('ons_census', 'la_od_2021') %}
with

{% if data_file_exists('census2021/census2021_la_od.csv') %}
source as (

    select * from {{ census_2021 }}

),
{% else %}
source as (

    select
        cast(null as varchar) as OutLA,
        cast(null as varchar) as InLA,
        cast(null as varchar) as Moves,
        cast(null as varchar) as source
    where false

),
{% endif %}

renamed as (

    select
        2021 as year,
        trim(OutLA) as sending_la_code,
        trim(InLA) as receiving_la_code,
        cast(Moves as double) as moves,
        trim(source) as source_table

    from source

)

select * from renamed
