-- If A borders B then B borders A.
select a.sending_la_code, a.receiving_la_code
from {{ ref('dim_la_pairs') }} as a
inner join {{ ref('dim_la_pairs') }} as b
    on a.sending_la_code = b.receiving_la_code
    and a.receiving_la_code = b.sending_la_code
where a.shares_border <> b.shares_border
