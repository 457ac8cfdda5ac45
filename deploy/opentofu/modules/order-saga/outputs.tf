output "namespace" {
  description = "The Kubernetes namespace the service runs in."
  value       = var.namespace
}

output "image" {
  description = "The image the workloads run."
  value       = "${var.image_repository}:${var.image_tag}"
}
