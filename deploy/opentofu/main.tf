# The order service on a Kubernetes cluster: MongoDB and Redis (created here, or existing ones named by
# URL), the Temporal namespace with its retention and search attributes (on an existing Temporal cluster),
# then the service from the kustomize base with the pipeline's image. The state holds no secret: they are
# ephemeral variables written to write-only attributes (see docs/operations.md).

module "mongodb" {
  source = "./modules/stateful-store"
  count  = var.mongodb.create ? 1 : 0

  name              = "mongodb"
  namespace         = module.service_namespace.name
  image             = var.mongodb.image
  port              = 27017
  data_path         = "/data/db"
  storage_size      = var.mongodb.storage_size
  storage_class     = var.mongodb.storage_class
  memory            = var.mongodb.memory
  run_as_user       = 999
  env               = { MONGO_INITDB_ROOT_USERNAME = local.mongodb_user }
  password_env      = "MONGO_INITDB_ROOT_PASSWORD"
  password          = var.mongodb_password
  password_revision = var.secrets_revision
}

module "redis" {
  source = "./modules/stateful-store"
  count  = var.redis.create ? 1 : 0

  name              = "redis"
  namespace         = module.service_namespace.name
  image             = var.redis.image
  port              = 6379
  data_path         = "/data"
  storage_size      = var.redis.storage_size
  storage_class     = var.redis.storage_class
  memory            = var.redis.memory
  run_as_user       = 999
  args              = ["--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes"]
  password_env      = "REDIS_PASSWORD"
  password          = var.redis_password
  password_revision = var.secrets_revision
}

module "temporal_namespace" {
  source = "./modules/temporal-namespace"
  count  = var.temporal.register_namespace ? 1 : 0

  kubernetes_namespace = module.service_namespace.name
  temporal_address     = var.temporal.address
  namespace            = var.temporal.namespace
  retention_days       = var.temporal.retention_days
  search_attributes    = var.temporal.search_attributes
  admin_tools_image    = var.temporal.admin_tools_image
}

# The namespace first: the stores and the registering Job run in it.
module "service_namespace" {
  source = "./modules/kubernetes-namespace"

  name   = var.namespace
  create = var.create_namespace
}

module "service" {
  source = "./modules/order-saga"

  namespace        = module.service_namespace.name
  kustomize_base   = "${path.module}/../k8s/base"
  image_repository = var.image_repository
  image_tag        = var.image_tag
  config           = local.config
  secret_keys      = local.secret_keys
  secrets          = local.secrets
  secrets_revision = var.secrets_revision
  tls_files        = local.temporal_tls_files
  tls_file_names   = local.temporal_tls_file_names
  tls_dir          = local.temporal_tls_dir

  # the workers need their stores and their Temporal namespace to become ready
  depends_on = [module.mongodb, module.redis, module.temporal_namespace]
}

locals {
  mongodb_user = "order-saga"

  config = merge(
    {
      TEMPORAL_ADDRESS   = var.temporal.address
      TEMPORAL_NAMESPACE = var.temporal.namespace
      MONGODB_DB         = var.mongodb.database
      MAIL_FROM          = var.mail_from
      AUTH_JWKS_URL      = var.auth.jwks_url
      AUTH_ISSUER        = var.auth.issuer
      AUTH_AUDIENCE      = var.auth.audience
      TRUST_PROXY        = var.trust_proxy
      CODEC_CORS_ORIGINS = join(",", var.codec_cors_origins)
    },
    var.otlp_endpoint == null ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT = var.otlp_endpoint },
    local.temporal_tls_config,
    var.extra_config,
  )

  # Temporal's TLS: the PEM files in a Secret of their own, mounted read-only into every pod at this folder.
  temporal_tls_dir = "/etc/order-saga/temporal-tls"
  temporal_tls_file_names = toset(concat(
    var.temporal_tls.ca_pem == null ? [] : ["ca.pem"],
    var.temporal_tls.client_certificate ? ["client.pem", "client.key"] : [],
  ))
  temporal_tls_files = merge(
    var.temporal_tls.ca_pem == null ? {} : { "ca.pem" = var.temporal_tls.ca_pem },
    var.temporal_tls.client_certificate ? {
      "client.pem" = var.temporal_client_cert_pem
      "client.key" = var.temporal_client_key_pem
    } : {},
  )
  temporal_tls_config = !var.temporal_tls.enabled ? {} : merge(
    { TEMPORAL_TLS = "true" },
    var.temporal_tls.ca_pem == null ? {} : { TEMPORAL_TLS_CA = "${local.temporal_tls_dir}/ca.pem" },
    var.temporal_tls.client_certificate ? {
      TEMPORAL_TLS_CERT = "${local.temporal_tls_dir}/client.pem"
      TEMPORAL_TLS_KEY  = "${local.temporal_tls_dir}/client.key"
    } : {},
    var.temporal_tls.server_name == null ? {} : { TEMPORAL_TLS_SERVER_NAME = var.temporal_tls.server_name },
  )

  # Connection strings carry passwords: they go to the Secret, and out of the ConfigMap.
  secret_keys = toset(concat(
    ["PAYLOAD_KEYS", "MONGODB_URL", "REDIS_URL", "SMTP_URL"],
    var.sms_token_set ? ["SMS_TOKEN"] : [],
    var.temporal_tls.api_key ? ["TEMPORAL_API_KEY"] : [],
  ))

  secrets = merge(
    {
      PAYLOAD_KEYS = var.payload_keys
      MONGODB_URL = (var.mongodb.create
        ? "mongodb://${local.mongodb_user}:${urlencode(var.mongodb_password)}@${module.mongodb[0].host}/?authSource=admin"
      : var.mongodb_url)
      REDIS_URL = (var.redis.create
        ? "redis://:${urlencode(var.redis_password)}@${module.redis[0].host}"
      : var.redis_url)
      SMTP_URL = var.smtp_url
    },
    var.sms_token_set ? { SMS_TOKEN = var.sms_token } : {},
    var.temporal_tls.api_key ? { TEMPORAL_API_KEY = var.temporal_api_key } : {},
  )
}
