output "namespace" {
  description = "The registered Temporal namespace (known once the Job has completed)."
  value       = var.namespace
  depends_on  = [kubernetes_job_v1.register]
}
