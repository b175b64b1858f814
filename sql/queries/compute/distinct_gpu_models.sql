-- grain: one row per distinct GPU model name the runs log (null excluded).
select distinct gpu_model from runs where gpu_model is not null order by gpu_model
