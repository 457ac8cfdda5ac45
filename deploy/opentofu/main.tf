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
    var.extra_config,
  )

  # Connection strings carry passwords: they go to the Secret, and out of the ConfigMap.
  secret_keys = toset(concat(
    ["PAYLOAD_KEYS", "MONGODB_URL", "REDIS_URL", "SMTP_URL"],
    var.sms_token_set ? ["SMS_TOKEN"] : [],
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
  )
}
