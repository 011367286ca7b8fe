{#- True when a raw file exists under MOBILITY_DATA_DIR (a glob query, so no error when it
    does not). For sources that only some data directories have (Census 2021 flows exist on
    the current LA vintage only); false at parse time. -#}
{% macro data_file_exists(relative_path) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set path = env_var('MOBILITY_DATA_DIR', 'data/synthetic/full') ~ '/' ~ relative_path -%}
    {%- set found = run_query("select count(*) from glob('" ~ (path | replace("'", "''")) ~ "')") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}
