# An example of the non-secret settings: copy to production.tfvars, fill in, and `tofu apply -var-file=production.tfvars`. The secrets are ephemeral
# variables given in the environment on every plan and apply, never in a file (docs/operations.md):
#   TF_VAR_payload_keys, TF_VAR_smtp_url, TF_VAR_mongodb_password, TF_VAR_redis_password
#   (or TF_VAR_mongodb_url / TF_VAR_redis_url for existing stores), TF_VAR_sms_token.

kube_context     = "production"
namespace        = "order-saga"
image_repository = "ghcr.io/example/order-saga"
image_tag        = "0123456789abcdef0123456789abcdef01234567"

temporal = {
  address        = "temporal-frontend.temporal.svc:7233"
  namespace      = "orders"
  retention_days = 30
}

# A Temporal frontend that asks for mTLS: the certificate and key come from the environment
# (TF_VAR_temporal_client_cert_pem, TF_VAR_temporal_client_key_pem); Temporal Cloud with an API key:
# api_key = true and TF_VAR_temporal_api_key.
# temporal_tls = {
#   enabled            = true
#   ca_pem             = <<-EOT
#     -----BEGIN CERTIFICATE-----
#     ...
#   EOT
#   server_name        = "temporal-frontend.temporal.svc"
#   client_certificate = true
# }

mongodb = { create = true, storage_size = "50Gi" }
redis   = { create = true }

auth = {
  jwks_url = "https://idp.example.com/.well-known/jwks.json"
  issuer   = "https://idp.example.com/"
  audience = "order-saga-api"
}
trust_proxy        = "10.0.0.0/8"
codec_cors_origins = ["https://temporal-ui.example.com"]
mail_from          = "Order Service <orders@example.com>"
otlp_endpoint      = "http://otel-collector.observability.svc:4318"
