{#- loaded_at_query of every raw source (dbt source freshness): the newest modification time
    of the source's files, from the file system (DuckDB read_blob, contents not read). The
    files are the ones in the source's external_location; for strand B, the wave files the
    staged files are made from. No file at all is an error naming the pattern, so a missing
    source fails the freshness check. -#}
{% macro raw_files_modified_at() -%}
    {%- set location = source_node.config.get('external_location') or '' -%}
    {%- set patterns = modules.re.findall("'([^']*/[^']*)'", location) -%}
    {%- if not patterns -%}
        {{ exceptions.raise_compiler_error(
            'Source ' ~ source_node.source_name ~ '.' ~ source_node.name
            ~ ' has no file path in its external_location: ' ~ location) }}
    {%- endif -%}
    {%- set globs = [] -%}
    {%- for pattern in patterns -%}
        {%- do globs.append(pattern | replace("/_staged/", "/*")) -%}
    {%- endfor %}
    select
        case
            when count(*) = 0 then error('Raw source {{ source_node.source_name }}.{{ source_node.name }} is missing: no file matches {{ globs | join(", ") }}')
            else max(last_modified)
        end as max_loaded_at
    from read_blob([
        {%- for glob in globs %}
        '{{ glob }}'{{ "," if not loop.last }}
        {%- endfor %}
    ])
{%- endmacro %}
