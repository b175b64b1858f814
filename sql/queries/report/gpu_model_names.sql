-- grain: one row per logged GPU model name with its canonical model (gpu_model_names, written by compute).
select gpu_model, gpu_model_canonical from gpu_model_names order by gpu_model
