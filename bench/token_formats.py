# ruff: noqa: E501  (the table is data: one format per line reads best)
"""The quality corpus's format table: each provider's token as its own documentation gives it.

One row per token kind: provider, family (the pack's family for providers it covers, the
closest one for those it does not), the variable name the provider's docs use for it, a
character template, and a `source` note naming the documentation page the format comes from.
Nothing here is read from `rules/`: a rule that misses a documented shape loses recall.

Template: literal text with `{ALPHABET:N}` for N random characters of an alphabet below, and
`{crc62}` (base62 CRC32 of the random characters so far, GitHub and npm), `{uuid}` (a random
version-4 UUID), or one of the structured makers of `token_shapes.py` as `{@name}`.
`covered` is False for providers the pack had no rule for when this table was written (recall
there stays low until one is written; the row stays either way).
"""

from __future__ import annotations

import base64
import random
import re
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import token_shapes as shapes

ALPHABETS: dict[str, str] = {
    "h": "0123456789abcdef",
    "H": "0123456789ABCDEF",
    "d": string.digits,
    "l": string.ascii_lowercase,
    "L": string.ascii_letters,
    "u": string.ascii_uppercase,
    "a": string.ascii_letters + string.digits,
    "al": string.ascii_lowercase + string.digits,
    "au": string.ascii_uppercase + string.digits,
    "b": string.ascii_letters + string.digits + "+/",
    "B": string.ascii_letters + string.digits + "-_",
    "z": string.ascii_uppercase + "234567",  # RFC 4648 base32
    "zl": string.ascii_lowercase + "234567",
    "e": string.ascii_letters + string.digits + "_~.-",  # Entra client secrets
    "w": string.ascii_letters + string.digits + "_-",  # URL-safe passwords
    "p": string.ascii_letters + string.digits + "!%*+-_=",  # generated passwords
    "bc": string.ascii_letters + string.digits + "./",  # bcrypt
    "ad": "ABCD",  # the character after an Azure identifiable key's signature: its top bits are zero
}

MAKERS: dict[str, Callable[[random.Random], str]] = {
    # a key that is N random bytes in standard base64: its last character before the padding
    # carries only the bits left over, so a random character there is no real key
    "b64-32": lambda rng: base64.b64encode(shapes.rand_bytes(rng, 32)).decode("ascii"),
    "b64-64": lambda rng: base64.b64encode(shapes.rand_bytes(rng, 64)).decode("ascii"),
    "jwt": lambda rng: shapes.jwt(rng),
    "jwt-none": lambda rng: shapes.jwt(rng, alg="none"),
    "pypi": lambda rng: shapes.pypi_macaroon(rng),
    "testpypi": lambda rng: shapes.pypi_macaroon(rng, "test.pypi.org"),
    "age": shapes.age_secret_key,
    "sentry-org": lambda rng: (
        "sntrys_"
        + shapes.b64_json(
            rng,
            {
                "iat": 1_700_000_000 + rng.randrange(10**7),
                "url": "https://sentry.io",
                "region_url": "https://us.sentry.io",
                "org": "acme",
            },
            standard=True,
        )
        + "_"
        + "".join(rng.choice(ALPHABETS["b"]) for _ in range(43))
    ),
    # base64 of "tok:<uuid with underscores>:1:0"
    "intercom": lambda rng: shapes.b64_text(
        f"tok:{str(uuid.UUID(int=rng.getrandbits(128), version=4)).replace('-', '_')}:1:0"
    ),
    # A bot token opens with the bot's numeric id (a snowflake) in base64, then a timestamp
    # and an HMAC, both base64url.
    "discord": lambda rng: (
        shapes.b64url(str(rng.randrange(10**17, 10**19)).encode())
        + "."
        + "".join(rng.choice(ALPHABETS["B"]) for _ in range(6))
        + "."
        + "".join(rng.choice(ALPHABETS["B"]) for _ in range(38))
    ),
    "mapbox": lambda rng: (
        "sk."
        + shapes.b64_json(
            rng, {"u": "acme", "a": "".join(rng.choice(ALPHABETS["al"]) for _ in range(25))}
        )
        + "."
        + "".join(rng.choice(ALPHABETS["B"]) for _ in range(22))
    ),
    "grafana-cloud": lambda rng: (
        "glc_"
        + shapes.b64_json(
            rng,
            {
                "o": str(rng.randrange(10**5, 10**6)),
                "n": "deploy",
                "k": "".join(rng.choice(ALPHABETS["a"]) for _ in range(24)),
                "m": {"r": "prod-eu-west-0"},
            },
        )
    ),
    "onepassword-sa": lambda rng: (
        "ops_"
        + shapes.b64_json(
            rng,
            {
                "signInAddress": "acme.1password.com",
                "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256", "iterations": 650000},
                "email": f"{''.join(rng.choice(ALPHABETS['al']) for _ in range(26))}@1passwordserviceaccounts.com",
                "srpX": shapes.rand_bytes(rng, 32).hex(),
            },
        )
    ),
}


@dataclass(frozen=True)
class TokenFormat:
    provider: str
    family: str
    name: str  # the variable the provider's docs use (UPPER_SNAKE; syntaxes re-case it)
    template: str
    source: str
    covered: bool = True

    @property
    def kind(self) -> str:
        return f"{self.provider}:{self.name.lower()}"


_PART = re.compile(r"\{(@?[\w-]+)(?::(\d+))?\}")


def make_value(fmt: TokenFormat, rng: random.Random) -> str:
    """Fill the template with random characters (and checksums) from the seeded generator."""
    out: list[str] = []
    drawn: list[str] = []  # the random characters, for a CRC over them
    position = 0
    for part in _PART.finditer(fmt.template):
        out.append(fmt.template[position : part.start()])
        position = part.end()
        name, count = part.group(1), part.group(2)
        if name.startswith("@"):
            out.append(MAKERS[name[1:]](rng))
        elif name == "crc62":
            out.append(shapes.base62_crc32("".join(drawn)))
        elif name == "uuid":
            out.append(str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        else:
            chars = "".join(rng.choice(ALPHABETS[name]) for _ in range(int(count or 1)))
            drawn.append(chars)
            out.append(chars)
    out.append(fmt.template[position:])
    return "".join(out)


def _f(
    provider: str, family: str, name: str, template: str, source: str, covered: bool = True
) -> TokenFormat:
    return TokenFormat(provider, family, name, template, source, covered)


# fmt: off
_GH = "docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github#githubs-token-formats"
_GL = "docs.gitlab.com/security/tokens/#token-prefixes"
_SLACK = "api.slack.com/authentication/token-types"
_NR = "docs.newrelic.com/docs/apis/intro-apis/new-relic-api-keys"

FORMATS: tuple[TokenFormat, ...] = (
    # ai
    _f("openai", "ai", "OPENAI_API_KEY", "sk-proj-{B:74}T3BlbkFJ{B:74}", "platform.openai.com/docs/api-reference/authentication"),
    _f("openai", "ai", "OPENAI_ADMIN_KEY", "sk-admin-{B:74}T3BlbkFJ{B:74}", "platform.openai.com/docs/api-reference/administration"),
    _f("anthropic", "ai", "ANTHROPIC_API_KEY", "sk-ant-api03-{B:93}AA", "docs.anthropic.com/en/api/getting-started"),
    _f("anthropic", "ai", "ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-{B:93}AA", "docs.anthropic.com/en/api/administration-api"),
    _f("xai", "ai", "XAI_API_KEY", "xai-{a:80}", "docs.x.ai/docs/quickstart"),
    _f("groq", "ai", "GROQ_API_KEY", "gsk_{a:52}", "console.groq.com/docs/quickstart"),
    _f("mistral", "ai", "MISTRAL_API_KEY", "{a:32}", "docs.mistral.ai/getting-started/quickstart"),
    _f("cohere", "ai", "CO_API_KEY", "{a:40}", "docs.cohere.com/reference/about"),
    _f("huggingface", "ai", "HF_TOKEN", "hf_{L:34}", "huggingface.co/docs/hub/security-tokens"),
    _f("replicate", "ai", "REPLICATE_API_TOKEN", "r8_{a:37}", "replicate.com/docs/reference/http#authentication"),
    _f("perplexity", "ai", "PERPLEXITY_API_KEY", "pplx-{a:48}", "docs.perplexity.ai/guides/getting-started"),
    _f("deepseek", "ai", "DEEPSEEK_API_KEY", "sk-{h:32}", "api-docs.deepseek.com"),
    _f("openrouter", "ai", "OPENROUTER_API_KEY", "sk-or-v1-{h:64}", "openrouter.ai/docs/api-reference/authentication"),
    _f("fireworks", "ai", "FIREWORKS_API_KEY", "fw_{a:24}", "docs.fireworks.ai/api-reference/introduction"),
    _f("elevenlabs", "ai", "ELEVENLABS_API_KEY", "sk_{h:48}", "elevenlabs.io/docs/api-reference/authentication"),
    _f("langsmith", "ai", "LANGSMITH_API_KEY", "lsv2_pt_{h:32}_{h:10}", "docs.smith.langchain.com/administration/how_to_guides/organization_management/create_account_api_key"),
    _f("nvidia", "ai", "NVIDIA_API_KEY", "nvapi-{B:64}", "docs.api.nvidia.com/nim/docs/api-quickstart"),
    _f("wandb", "ai", "WANDB_API_KEY", "{h:40}", "docs.wandb.ai/guides/track/environment-variables"),
    _f("azure-openai", "ai", "AZURE_OPENAI_API_KEY", "{h:32}", "learn.microsoft.com/azure/ai-services/openai/reference#authentication"),
    _f("azure-ai-search", "ai", "AZURE_SEARCH_ADMIN_KEY", "{a:42}AzSe{ad:1}{a:5}", "learn.microsoft.com/azure/search/search-security-api-keys; layout: github.com/microsoft/security-utilities (AzureSearchIdentifiableQueryKey)", False),
    # cloud
    _f("aws", "cloud", "AWS_ACCESS_KEY_ID", "AKIA{z:16}", "docs.aws.amazon.com/IAM/latest/UserGuide/security-creds.html#sec-access-keys-and-secret-access-keys"),
    _f("aws", "cloud", "AWS_SECRET_ACCESS_KEY", "{b:40}", "docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"),
    _f("google", "cloud", "GOOGLE_API_KEY", "AIza{B:35}", "cloud.google.com/docs/authentication/api-keys"),
    _f("google", "cloud", "GOOGLE_CLIENT_SECRET", "GOCSPX-{B:28}", "developers.google.com/identity/protocols/oauth2"),
    _f("google", "cloud", "GOOGLE_REFRESH_TOKEN", "1//0{B:99}", "developers.google.com/identity/protocols/oauth2#size"),
    _f("google", "cloud", "GOOGLE_ACCESS_TOKEN", "ya29.{B:150}", "developers.google.com/identity/protocols/oauth2#size"),
    _f("azure-storage", "cloud", "AZURE_STORAGE_CONNECTION_STRING", "DefaultEndpointsProtocol=https;AccountName=acmedata;AccountKey={@b64-64};EndpointSuffix=core.windows.net", "learn.microsoft.com/azure/storage/common/storage-configure-connection-string"),
    _f("azure-storage", "cloud", "AZURE_STORAGE_SAS_URL", "https://acmedata.blob.core.windows.net/exports?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2027-01-01T00:00:00Z&spr=https&sig={a:43}%3D", "learn.microsoft.com/azure/storage/common/storage-sas-overview"),
    _f("azure-entra", "cloud", "AZURE_CLIENT_SECRET", "{a:3}8Q~{e:34}", "learn.microsoft.com/entra/identity-platform/howto-create-service-principal-portal"),
    _f("azure-devops", "cloud", "AZURE_DEVOPS_PAT", "{a:52}JQQJ99{a:18}AZDO{a:4}", "learn.microsoft.com/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate; layout: github.com/microsoft/security-utilities (LegacyCommonAnnotatedSecurityKey: JQQJ9 at 52, AZDO at 76)", False),
    _f("azure-devops", "cloud", "AZURE_DEVOPS_EXT_PAT", "{zl:52}", "learn.microsoft.com/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate"),
    _f("azure-service-bus", "cloud", "SERVICEBUS_CONNECTION_STRING", "Endpoint=sb://acme-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={@b64-32}", "learn.microsoft.com/azure/service-bus-messaging/service-bus-sas", False),
    _f("azure-event-hubs", "cloud", "EVENTHUB_CONNECTION_STRING", "Endpoint=sb://acme-events.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={@b64-32};EntityPath=clicks", "learn.microsoft.com/azure/event-hubs/event-hubs-get-connection-string", False),
    _f("azure-app-configuration", "cloud", "APPCONFIG_CONNECTION_STRING", "Endpoint=https://acme-config.azconfig.io;Id={a:4}-l0-s0:{a:20};Secret={@b64-32}", "learn.microsoft.com/azure/azure-app-configuration/concept-enable-rbac", False),
    _f("azure-log-analytics", "cloud", "LOG_ANALYTICS_SHARED_KEY", "{@b64-64}", "learn.microsoft.com/azure/azure-monitor/logs/data-collector-api", False),
    _f("digitalocean", "cloud", "DIGITALOCEAN_TOKEN", "dop_v1_{h:64}", "docs.digitalocean.com/reference/api/create-personal-access-token"),
    _f("digitalocean", "cloud", "DIGITALOCEAN_OAUTH_TOKEN", "doo_v1_{h:64}", "docs.digitalocean.com/reference/api/oauth"),
    _f("alibaba", "cloud", "ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI{a:20}", "alibabacloud.com/help/en/ram/user-guide/create-an-accesskey-pair"),
    _f("alibaba", "cloud", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "{a:30}", "alibabacloud.com/help/en/ram/user-guide/create-an-accesskey-pair"),
    _f("tencent", "cloud", "TENCENTCLOUD_SECRET_ID", "AKID{a:32}", "tencentcloud.com/document/product/598/34228"),
    _f("yandex", "cloud", "YC_API_KEY", "AQVN{B:36}", "yandex.cloud/en/docs/iam/concepts/authorization/api-key"),
    _f("cloudflare", "cloud", "CLOUDFLARE_API_TOKEN", "{B:40}", "developers.cloudflare.com/fundamentals/api/get-started/create-token"),
    _f("cloudflare", "cloud", "CLOUDFLARE_API_KEY", "{h:37}", "developers.cloudflare.com/fundamentals/api/get-started/keys"),
    _f("cloudflare", "cloud", "CLOUDFLARE_ORIGIN_CA_KEY", "v1.0-{h:24}-{h:146}", "developers.cloudflare.com/fundamentals/api/get-started/ca-keys"),
    _f("heroku", "cloud", "HEROKU_API_KEY", "HRKU-AA{B:58}", "devcenter.heroku.com/articles/authentication"),
    _f("heroku", "cloud", "HEROKU_API_TOKEN", "{uuid}", "devcenter.heroku.com/articles/platform-api-quickstart#authentication"),
    _f("vercel", "cloud", "VERCEL_TOKEN", "{a:24}", "vercel.com/docs/rest-api#creating-an-access-token"),
    _f("netlify", "cloud", "NETLIFY_AUTH_TOKEN", "nfp_{a:36}", "docs.netlify.com/api/get-started/#authentication"),
    _f("supabase", "cloud", "SUPABASE_ACCESS_TOKEN", "sbp_{h:40}", "supabase.com/docs/reference/api/introduction"),
    _f("supabase", "cloud", "SUPABASE_SERVICE_ROLE_KEY", "{@jwt}", "supabase.com/docs/guides/api/api-keys"),
    _f("ibm", "cloud", "IBMCLOUD_API_KEY", "{B:44}", "cloud.ibm.com/docs/account?topic=account-userapikey"),
    _f("linode", "cloud", "LINODE_TOKEN", "{h:64}", "techdocs.akamai.com/linode-api/reference/get-started#personal-access-tokens"),
    _f("scaleway", "cloud", "SCW_SECRET_KEY", "{uuid}", "scaleway.com/en/docs/identity-and-access-management/iam/how-to/create-api-keys"),
    _f("hetzner", "cloud", "HCLOUD_TOKEN", "{a:64}", "docs.hetzner.cloud/#authentication"),
    _f("openshift", "cloud", "OPENSHIFT_TOKEN", "sha256~{B:43}", "docs.openshift.com/container-platform/latest/authentication/managing-oauth-access-tokens.html"),
    _f("kubernetes", "cloud", "KUBE_BOOTSTRAP_TOKEN", "{al:6}.{al:16}", "kubernetes.io/docs/reference/access-authn-authz/bootstrap-tokens/#token-format"),
    _f("pulumi", "cloud", "PULUMI_ACCESS_TOKEN", "pul-{h:40}", "pulumi.com/docs/pulumi-cloud/access-management/access-tokens", False),
    _f("planetscale", "cloud", "PLANETSCALE_SERVICE_TOKEN", "pscale_tkn_{B:43}", "planetscale.com/docs/concepts/service-tokens", False),
    _f("planetscale", "cloud", "PLANETSCALE_DB_PASSWORD", "pscale_pw_{B:43}", "planetscale.com/docs/concepts/connection-strings", False),
    _f("fastly", "cloud", "FASTLY_API_TOKEN", "{B:32}", "docs.fastly.com/en/guides/using-api-tokens", False),
    _f("confluent", "cloud", "CONFLUENT_CLOUD_API_SECRET", "{b:64}", "docs.confluent.io/cloud/current/access-management/authenticate/api-keys/api-keys.html", False),
    _f("scalingo", "cloud", "SCALINGO_API_TOKEN", "tk-us-{B:48}", "developers.scalingo.com/#authentication", False),
    _f("consul", "cloud", "CONSUL_HTTP_TOKEN", "{uuid}", "developer.hashicorp.com/consul/docs/security/acl/tokens"),
    # code hosting
    _f("github", "code-hosting", "GITHUB_TOKEN", "ghp_{a:30}{crc62}", _GH),
    _f("github", "code-hosting", "GITHUB_OAUTH_TOKEN", "gho_{a:30}{crc62}", _GH),
    _f("github", "code-hosting", "GH_APP_USER_TOKEN", "ghu_{a:30}{crc62}", _GH),
    _f("github", "code-hosting", "GH_INSTALLATION_TOKEN", "ghs_{a:30}{crc62}", _GH),
    _f("github", "code-hosting", "GH_REFRESH_TOKEN", "ghr_{a:30}{crc62}", _GH),
    _f("github", "code-hosting", "GH_FINE_GRAINED_TOKEN", "github_pat_11{au:20}_{a:59}", _GH),
    _f("gitlab", "code-hosting", "GITLAB_TOKEN", "glpat-{B:20}", _GL),
    _f("gitlab", "code-hosting", "GITLAB_DEPLOY_TOKEN", "gldt-{B:20}", _GL),
    _f("gitlab", "code-hosting", "GITLAB_FEED_TOKEN", "glft-{B:20}", _GL),
    _f("gitlab", "code-hosting", "GITLAB_RUNNER_TOKEN", "glrt-{B:20}", _GL),
    _f("gitlab", "code-hosting", "GITLAB_TRIGGER_TOKEN", "glptt-{h:40}", _GL),
    _f("gitlab", "code-hosting", "GITLAB_OAUTH_SECRET", "gloas-{h:64}", _GL),
    _f("gitlab", "code-hosting", "GITLAB_AGENT_TOKEN", "glagent-{B:50}", _GL),
    _f("gitlab", "code-hosting", "GITLAB_RUNNER_REGISTRATION_TOKEN", "GR1348941{B:20}", _GL),
    _f("bitbucket", "code-hosting", "BITBUCKET_APP_PASSWORD", "ATBB{a:24}{H:8}", "support.atlassian.com/bitbucket-cloud/docs/app-passwords"),
    _f("circleci", "code-hosting", "CIRCLECI_TOKEN", "CCIPAT_{a:22}_{h:40}", "circleci.com/docs/managing-api-tokens"),
    _f("circleci", "code-hosting", "CIRCLE_TOKEN", "{h:40}", "circleci.com/docs/managing-api-tokens"),
    _f("travis-ci", "code-hosting", "TRAVIS_API_TOKEN", "{B:22}", "docs.travis-ci.com/user/triggering-builds", False),
    _f("drone", "code-hosting", "DRONE_TOKEN", "{a:32}", "docs.drone.io/cli/setup", False),
    _f("sourcegraph", "code-hosting", "SRC_ACCESS_TOKEN", "sgp_{h:16}_{h:40}", "sourcegraph.com/docs/cli/how-tos/creating_an_access_token", False),
    _f("jenkins", "code-hosting", "JENKINS_API_TOKEN", "11{h:32}", "jenkins.io/doc/book/system-administration/authenticating-scripted-clients", False),
    _f("harness", "code-hosting", "HARNESS_PLATFORM_API_KEY", "pat.{B:22}.{h:24}.{a:20}", "developer.harness.io/docs/platform/automation/api/add-and-manage-api-keys", False),
    _f("codecov", "code-hosting", "CODECOV_TOKEN", "{uuid}", "docs.codecov.com/docs/codecov-tokens", False),
    _f("octopus-deploy", "code-hosting", "OCTOPUS_API_KEY", "API-{au:27}", "octopus.com/docs/octopus-rest-api/how-to-create-an-api-key", False),
    # messaging
    _f("slack", "messaging", "SLACK_BOT_TOKEN", "xoxb-{d:13}-{d:13}-{a:24}", _SLACK),
    _f("slack", "messaging", "SLACK_USER_TOKEN", "xoxp-{d:13}-{d:13}-{d:13}-{h:32}", _SLACK),
    _f("slack", "messaging", "SLACK_APP_TOKEN", "xapp-1-A{au:10}-{d:13}-{h:64}", _SLACK),
    _f("slack", "messaging", "SLACK_REFRESH_TOKEN", "xoxe-1-{a:146}", _SLACK),
    _f("slack", "messaging", "SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T{au:10}/B{au:10}/{a:24}", "api.slack.com/messaging/webhooks"),
    _f("slack", "messaging", "SLACK_WEBHOOK", "http://hooks.slack.com/services/T{au:10}/B{au:10}/{a:24}", "api.slack.com/messaging/webhooks"),
    _f("discord", "messaging", "DISCORD_BOT_TOKEN", "{@discord}", "discord.com/developers/docs/reference#authentication"),
    _f("discord", "messaging", "DISCORD_WEBHOOK_URL", "https://discord.com/api/webhooks/{d:18}/{B:68}", "discord.com/developers/docs/resources/webhook"),
    _f("telegram", "messaging", "TELEGRAM_BOT_TOKEN", "{d:10}:AA{B:33}", "core.telegram.org/bots/api#authorizing-your-bot"),
    _f("twilio", "messaging", "TWILIO_AUTH_TOKEN", "{h:32}", "twilio.com/docs/iam/api/authtoken"),
    _f("twilio", "messaging", "TWILIO_API_KEY", "SK{h:32}", "twilio.com/docs/iam/api-keys"),
    _f("sendgrid", "messaging", "SENDGRID_API_KEY", "SG.{B:22}.{B:43}", "docs.sendgrid.com/ui/account-and-settings/api-keys"),
    _f("mailgun", "messaging", "MAILGUN_API_KEY", "key-{h:32}", "documentation.mailgun.com/docs/mailgun/api-reference/authentication"),
    _f("mailgun", "messaging", "MAILGUN_PRIVATE_KEY", "{h:32}-{h:8}-{h:8}", "documentation.mailgun.com/docs/mailgun/api-reference/authentication"),
    _f("mailchimp", "messaging", "MAILCHIMP_API_KEY", "{h:32}-us{d:2}", "mailchimp.com/developer/marketing/guides/quick-start"),
    _f("postmark", "messaging", "POSTMARK_SERVER_TOKEN", "{uuid}", "postmarkapp.com/developer/api/overview#authentication"),
    _f("brevo", "messaging", "BREVO_API_KEY", "xkeysib-{h:64}-{a:16}", "developers.brevo.com/docs/getting-started"),
    _f("mailjet", "messaging", "MJ_APIKEY_PRIVATE", "{h:32}", "dev.mailjet.com/email/guides/getting-started"),
    _f("sparkpost", "messaging", "SPARKPOST_API_KEY", "{h:40}", "developers.sparkpost.com/api/#header-authentication"),
    _f("microsoft-teams", "messaging", "TEAMS_WEBHOOK_URL", "https://acme.webhook.office.com/webhookb2/{uuid}@{uuid}/IncomingWebhook/{h:32}/{uuid}", "learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook"),
    _f("sendbird", "messaging", "SENDBIRD_API_TOKEN", "{h:40}", "sendbird.com/docs/chat/platform-api/v3/prepare-to-use-api", False),
    _f("messagebird", "messaging", "MESSAGEBIRD_ACCESS_KEY", "{a:25}", "developers.messagebird.com/api/#authentication", False),
    _f("mattermost", "messaging", "MATTERMOST_TOKEN", "{al:26}", "developers.mattermost.com/integrate/reference/personal-access-token", False),
    # packages
    _f("npm", "packages", "NPM_TOKEN", "npm_{a:30}{crc62}", "docs.npmjs.com/about-access-tokens"),
    _f("pypi", "packages", "PYPI_API_TOKEN", "{@pypi}", "pypi.org/help/#apitoken"),
    _f("pypi", "packages", "TEST_PYPI_API_TOKEN", "{@testpypi}", "test.pypi.org/help/#apitoken"),
    _f("rubygems", "packages", "GEM_HOST_API_KEY", "rubygems_{h:48}", "guides.rubygems.org/api-key-scopes"),
    _f("nuget", "packages", "NUGET_API_KEY", "oy2{al:43}", "learn.microsoft.com/nuget/nuget-org/scoped-api-keys"),
    _f("docker-hub", "packages", "DOCKERHUB_TOKEN", "dckr_pat_{B:27}", "docs.docker.com/security/for-developers/access-tokens"),
    _f("jfrog", "packages", "JFROG_API_KEY", "AKCp{a:69}", "jfrog.com/help/r/jfrog-platform-administration-documentation/api-key"),
    _f("terraform-cloud", "packages", "TFE_TOKEN", "{a:14}.atlasv1.{a:67}", "developer.hashicorp.com/terraform/cloud-docs/users-teams-organizations/api-tokens"),
    _f("vault", "packages", "VAULT_TOKEN", "hvs.{B:90}", "developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes"),
    _f("vault", "packages", "VAULT_BATCH_TOKEN", "hvb.{B:138}", "developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes"),
    _f("crates-io", "packages", "CARGO_REGISTRY_TOKEN", "cio{a:32}", "doc.rust-lang.org/cargo/reference/publishing.html"),
    _f("clojars", "packages", "CLOJARS_DEPLOY_TOKEN", "CLOJARS_{h:60}", "github.com/clojars/clojars-web/wiki/Deploy-Tokens"),
    # payments
    _f("stripe", "payments", "STRIPE_SECRET_KEY", "sk_live_51{a:97}", "docs.stripe.com/keys"),
    _f("stripe", "payments", "STRIPE_RESTRICTED_KEY", "rk_live_51{a:97}", "docs.stripe.com/keys#create-restricted-api-secret-key"),
    _f("stripe", "payments", "STRIPE_WEBHOOK_SECRET", "whsec_{a:32}", "docs.stripe.com/webhooks#verify-events"),
    _f("paystack", "payments", "PAYSTACK_SECRET_KEY", "sk_live_{h:40}", "paystack.com/docs/api/authentication"),
    _f("square", "payments", "SQUARE_ACCESS_TOKEN", "EAAA{B:60}", "developer.squareup.com/docs/build-basics/access-tokens"),
    _f("square", "payments", "SQUARE_APPLICATION_SECRET", "sq0csp-{B:43}", "developer.squareup.com/docs/oauth-api/overview"),
    _f("braintree", "payments", "BRAINTREE_ACCESS_TOKEN", "access_token$production${al:16}${h:32}", "developer.paypal.com/braintree/docs/guides/authentication/overview"),
    _f("plaid", "payments", "PLAID_ACCESS_TOKEN", "access-production-{uuid}", "plaid.com/docs/api/tokens"),
    _f("plaid", "payments", "PLAID_SECRET", "{h:30}", "plaid.com/docs/api/#api-access"),
    _f("flutterwave", "payments", "FLW_SECRET_KEY", "FLWSECK-{h:32}-X", "developer.flutterwave.com/docs/integration-guides/authentication"),
    _f("shippo", "payments", "SHIPPO_API_TOKEN", "shippo_live_{h:40}", "docs.goshippo.com/docs/guides_general/authentication"),
    _f("easypost", "payments", "EASYPOST_API_KEY", "EZAK{h:54}", "docs.easypost.com/docs/authentication"),
    _f("duffel", "payments", "DUFFEL_ACCESS_TOKEN", "duffel_live_{B:43}", "duffel.com/docs/api/overview/making-requests/authentication"),
    _f("mollie", "payments", "MOLLIE_API_KEY", "live_{a:30}", "docs.mollie.com/reference/authentication"),
    _f("razorpay", "payments", "RAZORPAY_KEY_SECRET", "{a:24}", "razorpay.com/docs/api/authentication"),
    _f("recurly", "payments", "RECURLY_API_KEY", "{h:32}", "recurly.com/developers/api/v2021-02-25/index.html#section/Getting-Started/Authentication"),
    _f("lob", "payments", "LOB_API_KEY", "live_{h:35}", "docs.lob.com/#section/Authentication"),
    _f("coinbase", "payments", "COINBASE_API_SECRET", "{@b64-64}", "docs.cdp.coinbase.com/get-started/docs/cdp-api-keys", False),
    _f("kraken", "payments", "KRAKEN_PRIVATE_KEY", "{@b64-64}", "docs.kraken.com/api/docs/guides/spot-rest-auth", False),
    _f("kucoin", "payments", "KUCOIN_API_SECRET", "{uuid}", "kucoin.com/docs/basic-info/connection-method/authentication/creating-a-request", False),
    _f("bittrex", "payments", "BITTREX_API_SECRET", "{h:32}", "bittrex.github.io/api/v3#topic-Authentication", False),
    _f("finicity", "payments", "FINICITY_APP_KEY", "{h:32}", "docs.finicity.com/guide-to-partner-authentication-and-integration", False),
    _f("etsy", "payments", "ETSY_API_KEY", "{al:24}", "developers.etsy.com/documentation/essentials/authentication", False),
    _f("squarespace", "payments", "SQUARESPACE_API_KEY", "{uuid}", "developers.squarespace.com/commerce-apis/authentication-and-permissions", False),
    # saas
    _f("atlassian", "saas", "JIRA_API_TOKEN", "ATATT3xFfGF0{B:171}={H:8}", "support.atlassian.com/atlassian-account/docs/manage-api-tokens-for-your-atlassian-account"),
    _f("notion", "saas", "NOTION_TOKEN", "ntn_{d:11}{a:35}", "developers.notion.com/docs/authorization"),
    _f("linear", "saas", "LINEAR_API_KEY", "lin_api_{a:40}", "developers.linear.app/docs/graphql/working-with-the-graphql-api#personal-api-keys"),
    _f("asana", "saas", "ASANA_ACCESS_TOKEN", "2/{d:16}/{d:16}:{h:32}", "developers.asana.com/docs/personal-access-token"),
    _f("datadog", "saas", "DD_API_KEY", "{h:32}", "docs.datadoghq.com/account_management/api-app-keys"),
    _f("datadog", "saas", "DD_APP_KEY", "{h:40}", "docs.datadoghq.com/account_management/api-app-keys/#application-keys", False),
    _f("new-relic", "saas", "NEW_RELIC_API_KEY", "NRAK-{au:27}", _NR),
    _f("new-relic", "saas", "NEW_RELIC_LICENSE_KEY", "{h:36}NRAL", _NR),
    _f("new-relic", "saas", "NEW_RELIC_LICENSE_KEY_EU", "eu01xx{h:30}NRAL", _NR),
    _f("new-relic", "saas", "NEW_RELIC_INSERT_KEY", "NRII-{B:32}", _NR),
    _f("new-relic", "saas", "NEW_RELIC_QUERY_KEY", "NRIQ-{B:32}", _NR),
    _f("new-relic", "saas", "NEW_RELIC_ADMIN_KEY", "NRAA-{h:27}", _NR),
    _f("pixie", "saas", "PX_API_KEY", "px-api-{uuid}", "docs.px.dev/reference/admin/api-keys"),
    _f("sentry", "saas", "SENTRY_AUTH_TOKEN", "{@sentry-org}", "docs.sentry.io/account/auth-tokens"),
    _f("sentry", "saas", "SENTRY_USER_TOKEN", "sntryu_{h:64}", "docs.sentry.io/account/auth-tokens/#user-auth-tokens"),
    _f("okta", "saas", "OKTA_API_TOKEN", "00{B:40}", "developer.okta.com/docs/guides/create-an-api-token"),
    _f("auth0", "saas", "AUTH0_CLIENT_SECRET", "{B:64}", "auth0.com/docs/get-started/applications/application-credentials"),
    _f("shopify", "saas", "SHOPIFY_ACCESS_TOKEN", "shpat_{h:32}", "shopify.dev/docs/apps/build/authentication-authorization/access-tokens"),
    _f("shopify", "saas", "SHOPIFY_API_SECRET", "shpss_{h:32}", "shopify.dev/docs/apps/build/authentication-authorization"),
    _f("hubspot", "saas", "HUBSPOT_ACCESS_TOKEN", "pat-na1-{uuid}", "developers.hubspot.com/docs/api/private-apps"),
    _f("hubspot", "saas", "HUBSPOT_API_KEY", "{uuid}", "developers.hubspot.com/docs/api/migrate-an-api-key-integration-to-a-private-app"),
    _f("airtable", "saas", "AIRTABLE_API_KEY", "pat{a:14}.{h:64}", "airtable.com/developers/web/guides/personal-access-tokens"),
    _f("figma", "saas", "FIGMA_TOKEN", "figd_{B:40}", "developers.figma.com/docs/rest-api/authentication"),
    _f("contentful", "saas", "CONTENTFUL_MANAGEMENT_TOKEN", "CFPAT-{B:43}", "contentful.com/developers/docs/references/authentication"),
    _f("algolia", "saas", "ALGOLIA_ADMIN_KEY", "{h:32}", "algolia.com/doc/guides/security/api-keys"),
    _f("mapbox", "saas", "MAPBOX_SECRET_TOKEN", "{@mapbox}", "docs.mapbox.com/accounts/guides/tokens"),
    _f("grafana", "saas", "GRAFANA_SERVICE_ACCOUNT_TOKEN", "glsa_{a:32}_{h:8}", "grafana.com/docs/grafana/latest/administration/service-accounts"),
    _f("grafana", "saas", "GRAFANA_CLOUD_TOKEN", "{@grafana-cloud}", "grafana.com/docs/grafana-cloud/account-management/authentication-and-permissions/access-policies"),
    _f("dynatrace", "saas", "DT_API_TOKEN", "dt0c01.{au:24}.{au:64}", "docs.dynatrace.com/docs/manage/identity-access-management/access-tokens-and-oauth-clients/access-tokens#token-format"),
    _f("doppler", "saas", "DOPPLER_TOKEN", "dp.pt.{a:43}", "docs.doppler.com/reference/auth-token-formats"),
    _f("1password", "saas", "OP_SERVICE_ACCOUNT_TOKEN", "{@onepassword-sa}", "developer.1password.com/docs/service-accounts/get-started"),
    _f("postman", "saas", "POSTMAN_API_KEY", "PMAK-{h:24}-{h:34}", "learning.postman.com/docs/developer/postman-api/authentication"),
    _f("snyk", "saas", "SNYK_TOKEN", "{uuid}", "docs.snyk.io/snyk-api/authentication-for-api"),
    _f("sonarqube", "saas", "SONAR_TOKEN", "squ_{h:40}", "docs.sonarsource.com/sonarqube-server/latest/user-guide/managing-tokens"),
    _f("typeform", "saas", "TYPEFORM_TOKEN", "tfp_{B:44}_{B:14}", "typeform.com/developers/get-started/personal-access-token"),
    _f("dropbox", "saas", "DROPBOX_ACCESS_TOKEN", "sl.u.{B:140}", "developers.dropbox.com/oauth-guide"),
    _f("zapier", "saas", "ZAPIER_WEBHOOK_URL", "https://hooks.zapier.com/hooks/catch/{d:7}/{al:6}/", "help.zapier.com/hc/en-us/articles/8496288690317"),
    _f("databricks", "saas", "DATABRICKS_TOKEN", "dapi{h:32}", "docs.databricks.com/en/dev-tools/auth/pat.html"),
    _f("launchdarkly", "saas", "LAUNCHDARKLY_ACCESS_TOKEN", "api-{uuid}", "docs.launchdarkly.com/home/account/api"),
    _f("clickup", "saas", "CLICKUP_API_TOKEN", "pk_{d:8}_{au:32}", "developer.clickup.com/docs/authentication"),
    _f("zendesk", "saas", "ZENDESK_API_TOKEN", "{a:40}", "developer.zendesk.com/api-reference/introduction/security-and-auth"),
    _f("cloudinary", "saas", "CLOUDINARY_URL", "cloudinary://{d:15}:{B:27}@acme", "cloudinary.com/documentation/how_to_integrate_cloudinary"),
    _f("prefect", "saas", "PREFECT_API_KEY", "pnu_{a:36}", "docs.prefect.io/v3/manage/cloud/manage-users/api-keys"),
    _f("readme", "saas", "README_API_KEY", "rdme_{al:70}", "docs.readme.com/main/reference/intro/authentication"),
    _f("maxmind", "saas", "MAXMIND_LICENSE_KEY", "{a:6}_{a:29}_mmk", "dev.maxmind.com/license-key-format"),
    _f("twitter", "saas", "TWITTER_BEARER_TOKEN", "AAAAAAAAAAAAAAAAAAAAA{a:25}%3D{a:50}", "developer.x.com/en/docs/authentication/oauth-2-0/bearer-tokens", False),
    _f("twitter", "saas", "TWITTER_API_SECRET", "{a:50}", "developer.x.com/en/docs/authentication/oauth-1-0a/api-key-and-secret", False),
    _f("facebook", "saas", "FACEBOOK_ACCESS_TOKEN", "EAA{a:180}", "developers.facebook.com/docs/facebook-login/guides/access-tokens", False),
    _f("facebook", "saas", "FACEBOOK_APP_SECRET", "{h:32}", "developers.facebook.com/docs/facebook-login/security#appsecret", False),
    _f("linkedin", "saas", "LINKEDIN_CLIENT_SECRET", "{a:16}", "learn.microsoft.com/linkedin/shared/authentication/client-credentials-flow", False),
    _f("sumo-logic", "saas", "SUMO_ACCESS_KEY", "{a:64}", "help.sumologic.com/docs/manage/security/access-keys", False),
    _f("cisco-meraki", "saas", "MERAKI_DASHBOARD_API_KEY", "{h:40}", "developer.cisco.com/meraki/api-v1/authorization", False),
    _f("infracost", "saas", "INFRACOST_API_KEY", "ico-{a:32}", "infracost.io/docs/integrations/environment_variables", False),
    _f("sidekiq", "saas", "BUNDLE_ENTERPRISE__CONTRIBSYS__COM", "{h:8}:{h:8}", "github.com/sidekiq/sidekiq/wiki/Commercial-FAQ", False),
    _f("particle", "saas", "PARTICLE_ACCESS_TOKEN", "{h:40}", "docs.particle.io/reference/cloud-apis/access-tokens", False),
    _f("memset", "saas", "MEMSET_API_KEY", "{h:32}", "memset.com/apidocs/api-keys", False),
    _f("logentries", "saas", "LOGENTRIES_TOKEN", "{uuid}", "docs.logentries.com/docs/api-keys"),
    _f("salesforce", "saas", "SF_ACCESS_TOKEN", "00D{a:12}!AQ{a:94}", "help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flows.htm (session id: org id ! token)"),
    _f("intercom", "saas", "INTERCOM_ACCESS_TOKEN", "{@intercom}", "developers.intercom.com/docs/build-an-integration/learn-more/authentication"),
    _f("twitch", "saas", "TWITCH_OAUTH_TOKEN", "{al:30}", "dev.twitch.tv/docs/authentication"),
    _f("trello", "saas", "TRELLO_TOKEN", "ATTA{h:64}{H:8}", "developer.atlassian.com/cloud/trello/guides/rest-api/authorization", False),
    _f("tailscale", "cloud", "TAILSCALE_API_KEY", "tskey-api-k{a:10}CNTRL-{a:33}", "tailscale.com/kb/1101/api#authentication", False),
    _f("render", "cloud", "RENDER_API_KEY", "rnd_{a:32}", "render.com/docs/api#1-create-an-api-key", False),
    _f("deno-deploy", "cloud", "DENO_DEPLOY_TOKEN", "ddp_{a:36}", "docs.deno.com/deploy/manual/api", False),
    _f("rollbar", "saas", "ROLLBAR_ACCESS_TOKEN", "{h:32}", "docs.rollbar.com/docs/access-tokens", False),
    _f("bugsnag", "saas", "BUGSNAG_API_KEY", "{h:32}", "docs.bugsnag.com/product/getting-started", False),
    _f("mixpanel", "saas", "MIXPANEL_API_SECRET", "{h:32}", "developer.mixpanel.com/reference/project-secret", False),
    _f("opsgenie", "saas", "OPSGENIE_API_KEY", "{uuid}", "docs.opsgenie.com/docs/api-key-management", False),
    _f("pipedrive", "saas", "PIPEDRIVE_API_TOKEN", "{h:40}", "pipedrive.readme.io/docs/how-to-find-the-api-token", False),
    _f("webflow", "saas", "WEBFLOW_API_TOKEN", "{h:64}", "developers.webflow.com/data/reference/authentication", False),
    _f("pusher", "messaging", "PUSHER_APP_SECRET", "{h:20}", "pusher.com/docs/channels/server_api/authenticating-users", False),
    _f("plivo", "messaging", "PLIVO_AUTH_TOKEN", "{a:40}", "plivo.com/docs/account/auth-credentials", False),
    _f("vonage", "messaging", "VONAGE_API_SECRET", "{a:16}", "developer.vonage.com/en/getting-started/concepts/authentication", False),
    _f("deepgram", "ai", "DEEPGRAM_API_KEY", "{h:40}", "developers.deepgram.com/docs/create-additional-api-keys", False),
    _f("assemblyai", "ai", "ASSEMBLYAI_API_KEY", "{h:32}", "assemblyai.com/docs/api-reference/overview#authorization", False),
    _f("stability", "ai", "STABILITY_API_KEY", "sk-{a:48}", "platform.stability.ai/docs/getting-started/authentication", False),
    _f("voyage", "ai", "VOYAGE_API_KEY", "pa-{B:43}", "docs.voyageai.com/docs/api-key-and-installation", False),
    # private keys and JWTs written into one value (the key files themselves are blocks)
    _f("jwt", "private-keys", "JWT_TOKEN", "{@jwt}", "datatracker.ietf.org/doc/html/rfc7519#section-3"),
    _f("jwt", "private-keys", "ID_TOKEN", "{@jwt-none}", "datatracker.ietf.org/doc/html/rfc7519#section-6.1"),
    _f("age", "private-keys", "SOPS_AGE_KEY", "{@age}", "age-encryption.org/v1#the-x25519-recipient-type"),
    _f("wireguard", "private-keys", "WG_PRIVATE_KEY", "{@b64-32}", "wireguard.com/quickstart/#key-generation"),
)

# Generic secrets: random values under secret-ish names, no provider shape at all.
GENERIC: tuple[TokenFormat, ...] = (
    _f("flask", "generic", "SECRET_KEY", "{h:64}", "flask.palletsprojects.com/en/stable/config/#SECRET_KEY (secrets.token_hex())"),
    _f("python-secrets", "generic", "API_KEY", "{h:32}", "docs.python.org/3/library/secrets.html#secrets.token_hex (16 bytes)"),
    _f("python-secrets", "generic", "SESSION_SECRET", "{B:43}", "docs.python.org/3/library/secrets.html#secrets.token_urlsafe (32 bytes)"),
    _f("rails", "generic", "SECRET_KEY_BASE", "{h:128}", "guides.rubyonrails.org/security.html#custom-credentials (bin/rails secret)"),
    _f("django", "generic", "DJANGO_SECRET_KEY", "{p:50}", "docs.djangoproject.com/en/stable/ref/settings/#secret-key (get_random_secret_key)"),
    _f("oauth", "generic", "OAUTH_TOKEN", "{h:40}", "datatracker.ietf.org/doc/html/rfc6749#section-1.4"),
    _f("password", "generic", "DB_PASSWORD", "{p:20}", "NIST SP 800-63B generated passwords"),
    _f("password", "generic", "ADMIN_PASSWORD", "@{p:15}", "a generated password that starts with @"),
    _f("uuid-secret", "generic", "CLIENT_SECRET", "{uuid}", "RFC 9562 UUIDv4 issued as a secret"),
    _f("jwt-secret", "generic", "JWT_SECRET", "{a:48}", "HS256 signing secret, RFC 7518 section 3.2 (>= 256 bits)"),
    _f("wordpress", "generic", "AUTH_SALT", "{p:30}<{p:33}", "api.wordpress.org/secret-key/1.1/salt (printable, may hold < and >)"),
    _f("encryption", "generic", "ENCRYPTION_KEY", "{@b64-32}", "32 random bytes in base64 (Fernet-style)"),
)
# fmt: on
