output "namespace" {
  description = "The Kubernetes namespace the service runs in."
  value       = module.service.namespace
}

output "image" {
  description = "The image its workloads run."
  value       = module.service.image
}

output "temporal_namespace" {
  description = "The Temporal namespace it runs in."
  value       = var.temporal.namespace
}
