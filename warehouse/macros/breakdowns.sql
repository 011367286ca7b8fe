{#- Five-year age bands as ONS tabulates them: 0-4 ... 85-89 and 90+ (ages are 0..90). -#}
{% macro age_bands() -%}
    {%- set bands = [] -%}
    {%- for start in range(0, 90, 5) -%}
        {%- do bands.append({
            'suffix': '_aged_' ~ ('%02d' % start) ~ '_' ~ ('%02d' % (start + 4)),
            'label': start ~ '-' ~ (start + 4),
            'low': start,
            'high': start + 4}) -%}
    {%- endfor -%}
    {%- do bands.append({'suffix': '_aged_90_plus', 'label': '90+', 'low': 90, 'high': 90}) -%}
    {{ return(bands) }}
{%- endmacro %}

{#- Every breakdown a count is published in: persons, each sex, each age band (not crossed).
    `suffix` is the column-name suffix used in the wide marts. -#}
{% macro flow_breakdowns() -%}
    {%- set out = [
        {'suffix': '', 'sex': 'persons', 'age_band': 'all ages', 'condition': 'true'},
        {'suffix': '_female', 'sex': 'female', 'age_band': 'all ages', 'condition': "sex = 'female'"},
        {'suffix': '_male', 'sex': 'male', 'age_band': 'all ages', 'condition': "sex = 'male'"}] -%}
    {%- for band in age_bands() -%}
        {%- do out.append({
            'suffix': band.suffix, 'sex': 'persons', 'age_band': band.label,
            'condition': 'age between ' ~ band.low ~ ' and ' ~ band.high}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- The three area typologies: (name in the marts, column stem in dim_local_authorities). -#}
{% macro typologies() -%}
    {{ return([
        {'name': 'smi_2017', 'column': 'smi_category'},
        {'name': 'ons_supergroup', 'column': 'supergroup'},
        {'name': 'imd_2010', 'column': 'imd_quintile'}]) }}
{%- endmacro %}

{#- The LA-year covariates of the flow models, as named in fct_la_year_covariates. -#}
{% macro covariate_columns() -%}
    {{ return(['share_aged_15_29', 'dependency_ratio', 'unemployment_rate', 'gva_per_head_real',
               'mean_house_price', 'total_fertility_rate', 'non_uk_born_share']) }}
{%- endmacro %}

{#- The explicit column list of the pair-flow marts (fct_la_pair_flows, and without the sex
    and age-band moves fct_census_la_pair_flows), in one place. -#}
{% macro pair_flow_columns(with_breakdowns=true) -%}
    sending_la_code,
    receiving_la_code,
    year,
    flow_source,
    has_observed_moves,
    {%- for b in flow_breakdowns() if with_breakdowns or b.suffix == '' %}
    moves{{ b.suffix }},
    {%- endfor %}
    {%- for b in flow_breakdowns() %}
    sending_population{{ b.suffix }},
    {%- endfor %}
    distance_miles,
    log_distance,
    shares_border,
    sending_country,
    receiving_country,
    sending_region,
    receiving_region,
    {%- for t in typologies() %}
    sending_{{ t.column }},
    receiving_{{ t.column }},
    {%- endfor %}
    {%- for c in covariate_columns() %}
    sending_{{ c }}_lag1,
    receiving_{{ c }}_lag1{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
