output "host" {
  description = "host:port of the store inside the cluster."
  value       = "${kubernetes_service_v1.store.metadata[0].name}.${var.namespace}.svc:${var.port}"
}
