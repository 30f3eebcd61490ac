using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Kinde.Migration.Testing.Emulator.KindeEmulatorState;

namespace Kinde.Migration.Testing.Emulator;

/// <summary>The HTTP surface of <see cref="KindeEmulator"/>: the request pipeline (limits, faults, tokens, scopes) and
/// one handler per operation. Handlers run under the state lock and never log.</summary>
internal sealed class EmulatorApi(KindeEmulatorOptions options, KindeEmulatorState state)
{
    private const int MaxPageSize = 500;
    private const int MaxBulkObjects = 100;

    private static readonly string[] HashingMethods =
        ["bcrypt", "crypt", "md5", "sha256", "wordpress", "pbkdf2", "firebase-scrypt", "aspnet-identity-v2"];

    private readonly ConcurrentDictionary<string, TokenInfo> _tokens = new(StringComparer.Ordinal);
    private readonly Random _random = new(options.Seed);
    private readonly Lock _rateGate = new();
    private readonly TimeProvider _time = options.TimeProvider;
    private readonly Lock _recordGate = new();
    private readonly List<RecordedRequest> _recorded = [];
    private long _windowStartTicks = long.MinValue;
    private int _windowCount;
    private int _inFlight;

    private delegate ApiResult Handler(HttpContext ctx, JsonNode? body);

    public string Audience { get; set; } = "";

    /// <summary>Gets a copy of the recorded requests (see <see cref="KindeEmulatorOptions.RecordRequests"/>).</summary>
    public IReadOnlyList<RecordedRequest> RecordedRequests
    {
        get
        {
            lock (_recordGate)
            {
                return [.. _recorded];
            }
        }
    }

    public void Map(WebApplication app)
    {
        app.MapPost("/oauth2/token", (RequestDelegate)(async ctx =>
        {
            await RecordAsync(ctx).ConfigureAwait(false);
            await TokenAsync(ctx).ConfigureAwait(false);
        }));

        Api(app, "GET", "/api/v1/users", "read:users", ListUsers);
        Api(app, "POST", "/api/v1/user", "create:users", CreateUser);
        Api(app, "GET", "/api/v1/user", "read:users", GetUser);
        Api(app, "PATCH", "/api/v1/user", "update:users", UpdateUser);
        Api(app, "DELETE", "/api/v1/user", "delete:users", DeleteUser);
        Api(app, "PUT", "/api/v1/users/{user_id}/password", "update:user_passwords", SetPassword);
        Api(app, "GET", "/api/v1/users/{user_id}/identities", "read:user_identities", ListIdentities);
        Api(app, "POST", "/api/v1/users/{user_id}/identities", "create:user_identities", CreateIdentity);
        Api(app, "GET", "/api/v1/users/{user_id}/properties", "read:user_properties", GetUserProperties);
        Api(app, "PATCH", "/api/v1/users/{user_id}/properties", "update:user_properties", UpdateUserProperties);
        Api(app, "GET", "/api/v1/properties", "read:properties", ListProperties);
        Api(app, "POST", "/api/v1/properties", "create:properties", CreateProperty);
        Api(app, "GET", "/api/v1/property_categories", "read:property_categories", ListCategories);
        Api(app, "POST", "/api/v1/property_categories", "create:property_categories", CreateCategory);
        Api(app, "GET", "/api/v1/organizations", "read:organizations", ListOrganizations);
        Api(app, "GET", "/api/v1/organization", "read:organizations", GetOrganization);
        Api(app, "POST", "/api/v1/organization", "create:organizations", CreateOrganization);
        Api(app, "GET", "/api/v1/organizations/{org_code}/users", "read:organization_users", ListOrganizationUsers);
        Api(app, "POST", "/api/v1/organizations/{org_code}/users", "create:organization_users", AddOrganizationUsers);
        Api(app, "GET", "/api/v1/roles", "read:roles", ListRoles);
        Api(app, "POST", "/api/v1/roles", "create:roles", CreateRole);
        Api(app, "GET", "/api/v1/roles/{role_id}/permissions", "read:role_permissions", ListRolePermissions);
        Api(app, "PATCH", "/api/v1/roles/{role_id}/permissions", "update:role_permissions", UpdateRolePermissions);
        Api(app, "GET", "/api/v1/permissions", "read:permissions", ListPermissions);
        Api(app, "POST", "/api/v1/permissions", "create:permissions", CreatePermission);

        app.MapFallback("{*path}", (RequestDelegate)(async ctx =>
        {
            // Recorded too, so a contract check sees a call to a route the emulator does not know.
            await RecordAsync(ctx).ConfigureAwait(false);
            await WriteAsync(ctx, NotFound("ROUTE_NOT_FOUND", "The requested API route does not exist")).ConfigureAwait(false);
        }));
    }

    private void Api(WebApplication app, string method, string pattern, string scope, Handler handler) =>
        app.MapMethods(pattern, [method], (RequestDelegate)(ctx => RunAsync(ctx, scope, handler)));

    // ---------------------------------------------------------------- pipeline

    private async Task RunAsync(HttpContext ctx, string scope, Handler handler)
    {
        // Before any limit or fault, so requests answered 429 or 500 are recorded too.
        await RecordAsync(ctx).ConfigureAwait(false);
        if (!TryEnterRateWindow(out int resetSeconds))
        {
            await WriteTooManyAsync(ctx, resetSeconds, "Rate limit exceeded.").ConfigureAwait(false);
            return;
        }

        if (Interlocked.Increment(ref _inFlight) > (options.MaxConcurrentRequests ?? int.MaxValue))
        {
            Interlocked.Decrement(ref _inFlight);
            await WriteTooManyAsync(ctx, 1, "Too many concurrent requests.").ConfigureAwait(false);
            return;
        }

        try
        {
            if (options.Latency > TimeSpan.Zero)
            {
                await Task.Delay(options.Latency, ctx.RequestAborted).ConfigureAwait(false);
            }

            if (Draw(options.FailureRate))
            {
                await WriteAsync(ctx, Error(500, "INTERNAL_SERVER_ERROR", "Injected failure.")).ConfigureAwait(false);
                return;
            }

            if (Authorize(ctx, scope) is { } denied)
            {
                await WriteAsync(ctx, denied).ConfigureAwait(false);
                return;
            }

            string method = ctx.Request.Method;
            bool hasBody = HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method);
            JsonNode? body = null;
            if (hasBody)
            {
                try
                {
                    using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
                    string text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
                    body = string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                    await WriteAsync(ctx, Error(400, "INVALID_JSON", "The request body is not valid JSON.")).ConfigureAwait(false);
                    return;
                }
            }

            bool drop = (hasBody || HttpMethods.IsDelete(method)) && Draw(options.CommitThenDropRate);
            ApiResult result;
            lock (state.Gate)
            {
                result = handler(ctx, body);
            }

            if (drop)
            {
                ctx.Abort();
                return;
            }

            await WriteAsync(ctx, result).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Records the request when <see cref="KindeEmulatorOptions.RecordRequests"/> is on. The body is buffered
    /// and rewound, so the handler still reads it. The token endpoint is recorded without query or body: they may carry
    /// the client secret.</summary>
    private async Task RecordAsync(HttpContext ctx)
    {
        if (!options.RecordRequests)
        {
            return;
        }

        var request = ctx.Request;
        string path = request.Path.ToUriComponent();
        bool isToken = string.Equals(path.TrimEnd('/'), "/oauth2/token", StringComparison.OrdinalIgnoreCase);
        string query = isToken ? "" : request.QueryString.Value ?? "";
        string? body = null;
        if (!isToken)
        {
            request.EnableBuffering();
            using (var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true))
            {
                body = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
            }

            request.Body.Position = 0;
            body = body.Length == 0 ? null : body;
        }

        lock (_recordGate)
        {
            _recorded.Add(new RecordedRequest(request.Method, path, query, body));
        }
    }

    private bool TryEnterRateWindow(out int resetSeconds)
    {
        resetSeconds = 0;
        if (options.RequestsPerSecond is not { } limit)
        {
            return true;
        }

        long now = _time.GetUtcNow().UtcTicks;
        long start = now - (now % TimeSpan.TicksPerSecond);
        lock (_rateGate)
        {
            if (start != _windowStartTicks)
            {
                _windowStartTicks = start;
                _windowCount = 0;
            }

            if (_windowCount >= limit)
            {
                long remaining = start + TimeSpan.TicksPerSecond - now;
                resetSeconds = Math.Max(1, (int)Math.Ceiling((double)remaining / TimeSpan.TicksPerSecond));
                return false;
            }

            _windowCount++;
            return true;
        }
    }

    private bool Draw(double rate)
    {
        if (rate <= 0)
        {
            return false;
        }

        lock (_random)
        {
            // Always draw, so the sequence depends only on the seed and the request order.
            return _random.NextDouble() < rate;
        }
    }

    private ApiResult? Authorize(HttpContext ctx, string scope)
    {
        string? header = ctx.Request.Headers.Authorization;
        const string Prefix = "Bearer ";
        if (header is null || !header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return Unauthorized(ctx, "Missing bearer token.");
        }

        string token = header[Prefix.Length..].Trim();
        if (!_tokens.TryGetValue(token, out var info))
        {
            return Unauthorized(ctx, "Invalid bearer token.");
        }

        if (_time.GetUtcNow() >= info.ExpiresAt)
        {
            return Unauthorized(ctx, "The bearer token has expired.");
        }

        return info.Scopes.Contains(scope)
            ? null
            : Error(403, "FORBIDDEN", $"The access token does not have the required scope: {scope}.");
    }

    private static ApiResult Unauthorized(HttpContext ctx, string message)
    {
        ctx.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return Error(401, "UNAUTHORIZED", message);
    }

    private static Task WriteTooManyAsync(HttpContext ctx, int resetSeconds, string message)
    {
        ctx.Response.Headers["RateLimit-Reset"] = resetSeconds.ToString(CultureInfo.InvariantCulture);
        return WriteAsync(ctx, Error(429, "TOO_MANY_REQUESTS", message));
    }

    private static async Task WriteAsync(HttpContext ctx, ApiResult result)
    {
        ctx.Response.StatusCode = result.Status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        await ctx.Response.WriteAsync(result.Body.ToJsonString(), ctx.RequestAborted).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- token

    private async Task TokenAsync(HttpContext ctx)
    {
        if (!ctx.Request.HasFormContentType)
        {
            await WriteOAuthErrorAsync(ctx, 400, "invalid_request", "content type must be application/x-www-form-urlencoded").ConfigureAwait(false);
            return;
        }

        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false);
        string? grantType = form["grant_type"];
        string? clientId = form["client_id"];
        string? clientSecret = form["client_secret"];
        string? audience = form["audience"];
        string? scope = form["scope"];

        if (string.IsNullOrEmpty(grantType) || string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(audience))
        {
            await WriteOAuthErrorAsync(ctx, 400, "invalid_request", "grant_type, client_id and audience are required").ConfigureAwait(false);
            return;
        }

        if (grantType != "client_credentials")
        {
            await WriteOAuthErrorAsync(ctx, 400, "unsupported_grant_type", "only client_credentials is supported").ConfigureAwait(false);
            return;
        }

        if (!FixedEquals(clientId, options.ClientId) || !FixedEquals(clientSecret ?? "", options.ClientSecret))
        {
            await WriteOAuthErrorAsync(ctx, 401, "invalid_client", "client authentication failed").ConfigureAwait(false);
            return;
        }

        if (!string.Equals(audience.TrimEnd('/'), Audience, StringComparison.Ordinal))
        {
            await WriteOAuthErrorAsync(ctx, 400, "unauthorized_client", "the client is not authorized for this audience").ConfigureAwait(false);
            return;
        }

        var granted = new HashSet<string>(options.Scopes, StringComparer.Ordinal);
        HashSet<string> scopes;
        if (string.IsNullOrWhiteSpace(scope))
        {
            scopes = granted;
        }
        else
        {
            scopes = new HashSet<string>(scope.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
            if (!scopes.IsSubsetOf(granted))
            {
                await WriteOAuthErrorAsync(ctx, 400, "invalid_scope", "a requested scope is not granted to the client").ConfigureAwait(false);
                return;
            }
        }

        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        _tokens[token] = new TokenInfo(_time.GetUtcNow() + options.TokenLifetime, scopes);
        lock (state.Gate)
        {
            state.TokenCount++;
        }

        var body = new JsonObject
        {
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)options.TokenLifetime.TotalSeconds,
            ["scope"] = string.Join(' ', scopes.Order(StringComparer.Ordinal)),
        };
        ctx.Response.Headers.CacheControl = "no-store";
        await WriteAsync(ctx, new ApiResult(200, body)).ConfigureAwait(false);
    }

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static Task WriteOAuthErrorAsync(HttpContext ctx, int status, string error, string description) =>
        WriteAsync(ctx, new ApiResult(status, new JsonObject { ["error"] = error, ["error_description"] = description }));

    // ---------------------------------------------------------------- users

    private ApiResult ListUsers(HttpContext ctx, JsonNode? body)
    {
        var q = ctx.Request.Query;
        // An email filter is answered from the identity index, in the order of the filter, not by a scan of every user.
        IEnumerable<UserData> users = SplitList(q["email"]) is { } emails
            ? emails.Select(e => state.FindIdentityOwner("email", e)).OfType<UserData>().Distinct()
            : state.UserList;
        users = FilterByIdentity(users, "email", q["email"]);
        users = FilterByIdentity(users, "username", q["username"]);
        users = FilterByIdentity(users, "phone", q["phone"]);
        if (SplitList(q["user_id"]) is { } ids)
        {
            users = users.Where(u => ids.Contains(u.Id));
        }

        if (!TryPage(ctx, users.ToList(), out var page, out string? next, out var error))
        {
            return error;
        }

        var expand = SplitList(q["expand"]) ?? [];
        var items = new JsonArray();
        foreach (var u in page)
        {
            var item = UserJson(u, emailKey: "email");
            AddExpansions(item, u, expand);
            items.Add(item);
        }

        return Page("users", items, next);
    }

    private static IEnumerable<UserData> FilterByIdentity(IEnumerable<UserData> users, string type, string? filter)
    {
        if (SplitList(filter) is not { } values)
        {
            return users;
        }

        var set = new HashSet<string>(values, StringComparer.OrdinalIgnoreCase);
        return users.Where(u => u.Identities.Exists(i => i.Type == type && set.Contains(i.Value)));
    }

    private void AddExpansions(JsonObject item, UserData u, HashSet<string> expand)
    {
        if (expand.Contains("organizations"))
        {
            item["organizations"] = StringArray(state.OrgList.Where(o => o.FindMember(u.Id) is not null).Select(o => o.Code));
        }

        if (expand.Contains("identities"))
        {
            var identities = new JsonArray();
            foreach (var i in u.Identities)
            {
                identities.Add(new JsonObject { ["type"] = i.Type, ["identity"] = i.Value, ["connection_id"] = i.ConnectionId });
            }

            item["identities"] = identities;
        }
    }

    private static JsonObject UserJson(KindeEmulatorState.UserData u, string emailKey) => new()
    {
        ["id"] = u.Id,
        ["provided_id"] = u.ProvidedId,
        [emailKey] = u.FirstOf("email"),
        ["phone"] = u.FirstOf("phone"),
        ["username"] = u.FirstOf("username"),
        ["last_name"] = u.LastName,
        ["first_name"] = u.FirstName,
        ["is_suspended"] = u.IsSuspended,
        ["picture"] = u.Picture,
        ["total_sign_ins"] = 0,
        ["failed_sign_ins"] = 0,
        ["last_signed_in"] = null,
        ["created_on"] = Iso(u.CreatedOn),
    };

    private ApiResult GetUser(HttpContext ctx, JsonNode? body)
    {
        if (!TryFindUser(ctx.Request.Query["id"], out var u, out var error))
        {
            return error;
        }

        // The single-user endpoint names the email "preferred_email"; the list endpoint calls it "email" (as Kinde does).
        var item = UserJson(u, emailKey: "preferred_email");
        AddExpansions(item, u, SplitList(ctx.Request.Query["expand"]) ?? []);
        return Ok(item);
    }

    private ApiResult CreateUser(HttpContext ctx, JsonNode? body)
    {
        var profile = body?["profile"] as JsonObject;
        string? orgCode = Str(body, "organization_code");
        OrgData? org = null;
        if (!string.IsNullOrEmpty(orgCode) && (org = state.FindOrg(orgCode)) is null)
        {
            return Error(400, "ORGANIZATION_NOT_FOUND", "The organization_code does not match an organization.");
        }

        var identities = new List<(string Type, string Value, bool Verified, string? Country)>();
        if (body?["identities"] is JsonArray array)
        {
            foreach (var node in array)
            {
                string? type = Str(node, "type");
                var details = node?["details"];
                string? value = type switch
                {
                    "email" => Str(details, "email"),
                    "phone" => Str(details, "phone"),
                    "username" => Str(details, "username"),
                    _ => null,
                };
                if (type is not ("email" or "phone" or "username"))
                {
                    return Error(400, "INVALID_IDENTITY_TYPE", "identities[].type must be email, phone or username.");
                }

                if (string.IsNullOrWhiteSpace(value) || (type == "email" && !IsEmail(value)))
                {
                    return Error(400, "INVALID_IDENTITY", $"identities[] of type {type} needs a valid details.{type}.");
                }

                if (!identities.Exists(i => i.Type == type && string.Equals(i.Value, value, StringComparison.OrdinalIgnoreCase)))
                {
                    identities.Add((type, value.Trim(), Bool(node, "is_verified") ?? false, Str(details, "phone_country_id")));
                }
            }
        }
        else if (body?["identities"] is not null)
        {
            return Error(400, "INVALID_IDENTITIES", "identities must be an array.");
        }

        foreach (var (type, value, _, _) in identities)
        {
            if (type is "email" or "username" && state.FindIdentityOwner(type, value) is { } owner)
            {
                if (options.DuplicateUserBehavior == KindeEmulatorDuplicateUserBehavior.NotCreated)
                {
                    var notCreated = new JsonArray();
                    foreach (var i in identities)
                    {
                        notCreated.Add(new JsonObject { ["type"] = i.Type, ["result"] = new JsonObject { ["created"] = false } });
                    }

                    return Ok(new JsonObject { ["id"] = owner.Id, ["created"] = false, ["identities"] = notCreated });
                }

                return Error(409, "USER_ALREADY_EXISTS", $"A user with this {type} already exists.");
            }
        }

        var now = _time.GetUtcNow();
        var user = new UserData(state.NewId("kp_", 32), now)
        {
            ProvidedId = Str(body, "provided_id"),
            FirstName = Str(profile, "given_name"),
            LastName = Str(profile, "family_name"),
            Picture = Str(profile, "picture"),
        };
        var created = new JsonArray();
        foreach (var (type, value, verified, country) in identities)
        {
            user.Identities.Add(new EmulatedIdentity(state.NewId("identity_", 32), type, value, verified, country, null));
            created.Add(new JsonObject { ["type"] = type, ["result"] = new JsonObject { ["created"] = true } });
        }

        state.AddUser(user);
        org?.AddMember(new MemberData(user.Id, now));
        return Ok(new JsonObject { ["id"] = user.Id, ["created"] = true, ["identities"] = created });
    }

    private ApiResult UpdateUser(HttpContext ctx, JsonNode? body)
    {
        if (!TryFindUser(ctx.Request.Query["id"], out var u, out var error))
        {
            return error;
        }

        if (body is not JsonObject o)
        {
            return Error(400, "INVALID_REQUEST_BODY", "A JSON object body is required.");
        }

        if (o.ContainsKey("given_name"))
        {
            u.FirstName = Str(o, "given_name");
        }

        if (o.ContainsKey("family_name"))
        {
            u.LastName = Str(o, "family_name");
        }

        if (o.ContainsKey("picture"))
        {
            u.Picture = Str(o, "picture");
        }

        if (o.ContainsKey("provided_id"))
        {
            u.ProvidedId = Str(o, "provided_id");
        }

        if (Bool(o, "is_suspended") is { } suspended)
        {
            u.IsSuspended = suspended;
        }

        if (Bool(o, "is_password_reset_requested") is { } reset)
        {
            u.IsPasswordResetRequested = reset;
        }

        return Ok(new JsonObject
        {
            ["id"] = u.Id,
            ["given_name"] = u.FirstName,
            ["family_name"] = u.LastName,
            ["email"] = u.FirstOf("email"),
            ["is_suspended"] = u.IsSuspended,
            ["is_password_reset_requested"] = u.IsPasswordResetRequested,
            ["picture"] = u.Picture,
        });
    }

    private ApiResult DeleteUser(HttpContext ctx, JsonNode? body)
    {
        if (!TryFindUser(ctx.Request.Query["id"], out var u, out var error))
        {
            return error;
        }

        state.RemoveUser(u);

        return Ok(Success("Success"));
    }

    private ApiResult SetPassword(HttpContext ctx, JsonNode? body)
    {
        if (!TryFindUser(RouteValue(ctx, "user_id"), out var u, out var error))
        {
            return error;
        }

        string? hash = Str(body, "hashed_password");
        if (string.IsNullOrEmpty(hash))
        {
            return Error(400, "HASHED_PASSWORD_REQUIRED", "hashed_password is required.");
        }

        string method = Str(body, "hashing_method") ?? "bcrypt";
        if (!HashingMethods.Contains(method))
        {
            return Error(400, "INVALID_HASHING_METHOD", "hashing_method must be one of: " + string.Join(", ", HashingMethods) + ".");
        }

        bool Has(string name) => body?[name] is not null;
        string? saltPosition = Str(body, "salt_position");
        if (saltPosition is not null and not ("prefix" or "suffix"))
        {
            return Error(400, "INVALID_SALT_POSITION", "salt_position must be prefix or suffix.");
        }

        string[] firebaseOnly = ["signer_key", "salt_separator", "rounds", "mem_cost"];
        string? problem = method switch
        {
            "pbkdf2" when !Has("salt") || !Has("variant") => "pbkdf2 requires salt and variant.",
            "firebase-scrypt" when !Has("salt") || !firebaseOnly.All(Has) => "firebase-scrypt requires salt, signer_key, salt_separator, rounds and mem_cost.",
            "firebase-scrypt" when Has("iterations") || Has("variant") => "iterations and variant are rejected for firebase-scrypt.",
            "firebase-scrypt" when Int(body, "rounds") is not (>= 1 and <= 16) || Int(body, "mem_cost") is not (>= 1 and <= 20) => "rounds must be 1-16 and mem_cost 1-20.",
            "aspnet-identity-v2" when Has("salt") || Has("salt_position") || Has("iterations") || Has("variant") => "salt, salt_position, iterations and variant are not used for aspnet-identity-v2.",
            not "firebase-scrypt" when firebaseOnly.Any(Has) => "signer_key, salt_separator, rounds and mem_cost are only for firebase-scrypt.",
            _ => null,
        };
        if (problem is not null)
        {
            return Error(400, "INVALID_PASSWORD_PARAMETERS", problem);
        }

        u.Password = new EmulatedPassword(method, EmulatedPassword.Fingerprint(hash), Bool(body, "is_temporary_password") ?? false, Has("salt"));
        return Ok(Success("Success"));
    }

    private ApiResult ListIdentities(HttpContext ctx, JsonNode? body)
    {
        if (!TryFindUser(RouteValue(ctx, "user_id"), out var u, out var error))
        {
            return error;
        }

        var items = new JsonArray();
        foreach (var i in u.Identities)
        {
            items.Add(new JsonObject
            {
                ["id"] = i.Id,
                ["type"] = i.Type,
                ["is_confirmed"] = i.IsVerified,
                ["created_on"] = Iso(u.CreatedOn),
                ["last_login_on"] = null,
                ["total_logins"] = 0,
                ["name"] = i.Value,
                ["email"] = i.Type == "email" ? i.Value : null,
                ["connection_id"] = i.ConnectionId,
                ["is_primary"] = u.Identities.Find(x => x.Type == i.Type) == i,
            });
        }

        return CursorPage("identities", items, false);
    }

    private ApiResult CreateIdentity(HttpContext ctx, JsonNode? body)
    {
        if (!TryFindUser(RouteValue(ctx, "user_id"), out var u, out var error))
        {
            return error;
        }

        string? type = Str(body, "type");
        string? value = Str(body, "value")?.Trim();
        string? country = Str(body, "phone_country_id");
        string? connection = Str(body, "connection_id");
        if (type is not ("email" or "username" or "phone" or "enterprise" or "social"))
        {
            return Error(400, "INVALID_IDENTITY_TYPE", "type must be email, username, phone, enterprise or social.");
        }

        if (string.IsNullOrEmpty(value) || (type == "email" && !IsEmail(value)))
        {
            return Error(400, "INVALID_IDENTITY", "value is missing or not valid for the identity type.");
        }

        if (type == "phone" && string.IsNullOrEmpty(country))
        {
            return Error(400, "INVALID_IDENTITY", "phone_country_id is required for a phone identity.");
        }

        if (type is "social" or "enterprise" && string.IsNullOrEmpty(connection))
        {
            return Error(400, "INVALID_IDENTITY", "connection_id is required for a social or enterprise identity.");
        }

        if (state.FindIdentityOwner(type, value) is not null)
        {
            return Error(409, "IDENTITY_ALREADY_EXISTS", $"This {type} identity is already in use.");
        }

        var identity = new EmulatedIdentity(state.NewId("identity_", 32), type, value, false, country, connection);
        state.AddIdentity(u, identity);
        var result = Success("Success");
        result["identity"] = new JsonObject { ["id"] = identity.Id };
        return new ApiResult(201, result);
    }

    private ApiResult GetUserProperties(HttpContext ctx, JsonNode? body)
    {
        if (!TryFindUser(RouteValue(ctx, "user_id"), out var u, out var error))
        {
            return error;
        }

        var items = new JsonArray();
        foreach (var p in state.PropertyList.Where(p => p.Context == "usr"))
        {
            items.Add(new JsonObject
            {
                ["id"] = p.Id,
                ["name"] = p.Name,
                ["description"] = p.Description,
                ["key"] = p.Key,
                ["value"] = u.Properties.GetValueOrDefault(p.Key),
            });
        }

        var result = Success("Success");
        result["properties"] = items;
        return Ok(result);
    }

    private ApiResult UpdateUserProperties(HttpContext ctx, JsonNode? body)
    {
        if (!TryFindUser(RouteValue(ctx, "user_id"), out var u, out var error))
        {
            return error;
        }

        if (body?["properties"] is not JsonObject properties)
        {
            return Error(400, "PROPERTIES_REQUIRED", "properties must be an object of property keys and values.");
        }

        var updates = new List<(string Key, string? Value)>();
        foreach (var (key, node) in properties)
        {
            if (!state.PropertyList.Exists(p => p.Key == key && p.Context == "usr"))
            {
                return Error(400, "PROPERTY_NOT_FOUND", $"No user property with key '{key}' exists.");
            }

            if (node is null)
            {
                updates.Add((key, null));
            }
            else if (node is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            {
                updates.Add((key, v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()));
            }
            else
            {
                return Error(400, "INVALID_PROPERTY_VALUE", $"The value of '{key}' must be a string, number or boolean.");
            }
        }

        foreach (var (key, value) in updates)
        {
            if (value is null)
            {
                u.Properties.Remove(key);
            }
            else
            {
                u.Properties[key] = value;
            }
        }

        return Ok(Success("Success"));
    }

    // ---------------------------------------------------------------- properties and categories

    private ApiResult ListProperties(HttpContext ctx, JsonNode? body)
    {
        string? context = ctx.Request.Query["context"];
        var all = state.PropertyList.Where(p => context is null || p.Context == context).ToList();
        if (!TryCursorPage(ctx, all, p => p.Id, out var page, out bool hasMore, out var error))
        {
            return error;
        }

        var items = new JsonArray();
        foreach (var p in page)
        {
            items.Add(new JsonObject
            {
                ["id"] = p.Id,
                ["key"] = p.Key,
                ["name"] = p.Name,
                ["is_private"] = p.IsPrivate,
                ["description"] = p.Description,
                ["is_kinde_property"] = false,
            });
        }

        return CursorPage("properties", items, hasMore);
    }

    private ApiResult CreateProperty(HttpContext ctx, JsonNode? body)
    {
        string? name = Str(body, "name");
        string? key = Str(body, "key");
        string? type = Str(body, "type");
        string? context = Str(body, "context");
        bool? isPrivate = Bool(body, "is_private");
        string? categoryId = Str(body, "category_id");
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(key) || isPrivate is null || string.IsNullOrEmpty(categoryId))
        {
            return Error(400, "INVALID_REQUEST", "name, key, type, context, is_private and category_id are required.");
        }

        if (type is not ("single_line_text" or "multi_line_text"))
        {
            return Error(400, "INVALID_PROPERTY_TYPE", "type must be single_line_text or multi_line_text.");
        }

        if (context is not ("org" or "usr" or "app"))
        {
            return Error(400, "INVALID_CONTEXT", "context must be org, usr or app.");
        }

        if (!state.CategoryList.Exists(c => c.Id == categoryId))
        {
            return Error(400, "CATEGORY_NOT_FOUND", "category_id does not match a property category.");
        }

        if (state.PropertyList.Exists(p => p.Key == key))
        {
            return Error(400, "PROPERTY_KEY_ALREADY_EXISTS", $"A property with key '{key}' already exists.");
        }

        var property = new EmulatedProperty(state.NewId("prop_", 32), key, name, Str(body, "description"), type, context, isPrivate.Value, categoryId);
        state.PropertyList.Add(property);
        var result = Success("Property successfully created");
        result["property"] = new JsonObject { ["id"] = property.Id };
        return new ApiResult(201, result);
    }

    private ApiResult ListCategories(HttpContext ctx, JsonNode? body)
    {
        string? context = ctx.Request.Query["context"];
        var all = state.CategoryList.Where(c => context is null || c.Context == context).ToList();
        if (!TryCursorPage(ctx, all, c => c.Id, out var page, out bool hasMore, out var error))
        {
            return error;
        }

        var items = new JsonArray();
        foreach (var c in page)
        {
            items.Add(new JsonObject { ["id"] = c.Id, ["name"] = c.Name });
        }

        return CursorPage("categories", items, hasMore);
    }

    private ApiResult CreateCategory(HttpContext ctx, JsonNode? body)
    {
        string? name = Str(body, "name");
        string? context = Str(body, "context");
        if (string.IsNullOrEmpty(name))
        {
            return Error(400, "INVALID_REQUEST", "name is required.");
        }

        if (context is not ("org" or "usr" or "app"))
        {
            return Error(400, "INVALID_CONTEXT", "context must be org, usr or app.");
        }

        var category = new EmulatedPropertyCategory(state.NewId("cat_", 32), name, context);
        state.CategoryList.Add(category);
        var result = Success("Category successfully created");
        result["category"] = new JsonObject { ["id"] = category.Id };
        return new ApiResult(201, result);
    }

    // ---------------------------------------------------------------- organizations

    private ApiResult ListOrganizations(HttpContext ctx, JsonNode? body)
    {
        if (!TryPage(ctx, state.OrgList, out var page, out string? next, out var error))
        {
            return error;
        }

        var items = new JsonArray();
        foreach (var o in page)
        {
            items.Add(OrganizationJson(o));
        }

        return Page("organizations", items, next);
    }

    private ApiResult GetOrganization(HttpContext ctx, JsonNode? body)
    {
        if (state.FindOrg(ctx.Request.Query["code"]) is not { } org)
        {
            return NotFound("ORGANIZATION_NOT_FOUND", "Organization not found.");
        }

        var item = OrganizationJson(org);
        item["created_on"] = org.CreatedOn is { } on ? Iso(on) : null;
        item["is_suspended"] = false;
        return Ok(item);
    }

    private static JsonObject OrganizationJson(OrgData o) => new()
    {
        ["code"] = o.Code,
        ["name"] = o.Name,
        ["handle"] = o.Handle,
        ["is_default"] = o.IsDefault,
        ["external_id"] = o.ExternalId,
        ["is_auto_membership_enabled"] = o.IsAutoMembershipEnabled,
    };

    private ApiResult CreateOrganization(HttpContext ctx, JsonNode? body)
    {
        string? name = Str(body, "name");
        if (string.IsNullOrWhiteSpace(name))
        {
            return Error(400, "NAME_REQUIRED", "name is required.");
        }

        var org = new OrgData(state.NewId("org_", 11))
        {
            Name = name,
            ExternalId = Str(body, "external_id"),
            Handle = Str(body, "handle"),
            IsAutoMembershipEnabled = Bool(body, "is_auto_membership_enabled") ?? false,
            CreatedOn = _time.GetUtcNow(),
        };
        state.OrgList.Add(org);
        var result = Success("Success");
        result["organization"] = new JsonObject { ["code"] = org.Code };
        return Ok(result);
    }

    private ApiResult ListOrganizationUsers(HttpContext ctx, JsonNode? body)
    {
        if (state.FindOrg(RouteValue(ctx, "org_code")) is not { } org)
        {
            return NotFound("ORGANIZATION_NOT_FOUND", "Organization not found.");
        }

        if (!TryPage(ctx, org.Members, out var page, out string? next, out var error))
        {
            return error;
        }

        var items = new JsonArray();
        foreach (var m in page)
        {
            var u = state.FindUserData(m.UserId);
            items.Add(new JsonObject
            {
                ["id"] = m.UserId,
                ["email"] = u?.FirstOf("email"),
                ["full_name"] = string.Join(' ', new[] { u?.FirstName, u?.LastName }.Where(s => !string.IsNullOrEmpty(s))),
                ["last_name"] = u?.LastName,
                ["first_name"] = u?.FirstName,
                ["picture"] = u?.Picture,
                ["joined_on"] = Iso(m.JoinedOn),
                ["last_accessed_on"] = null,
                ["is_suspended"] = u?.IsSuspended ?? false,
                ["roles"] = StringArray(m.Roles),
            });
        }

        return Page("organization_users", items, next);
    }

    private ApiResult AddOrganizationUsers(HttpContext ctx, JsonNode? body)
    {
        if (state.FindOrg(RouteValue(ctx, "org_code")) is not { } org)
        {
            return NotFound("ORGANIZATION_NOT_FOUND", "Organization not found.");
        }

        if (body?["users"] is not JsonArray users || users.Count == 0)
        {
            return Error(400, "USERS_REQUIRED", "users must be a non-empty array.");
        }

        if (users.Count > MaxBulkObjects)
        {
            return Error(400, "TOO_MANY_OBJECTS", $"At most {MaxBulkObjects} users can be added in one request.");
        }

        var adds = new List<(string Id, List<string> Roles, List<string> Permissions)>();
        foreach (var node in users)
        {
            string? id = Str(node, "id");
            if (state.FindUserData(id) is null)
            {
                return Error(400, "USER_NOT_FOUND", $"No user with id '{id}' exists.");
            }

            var roles = Strings(node?["roles"]);
            var permissions = Strings(node?["permissions"]);
            if (roles is null || permissions is null)
            {
                return Error(400, "INVALID_REQUEST", "roles and permissions must be arrays of keys.");
            }

            if (roles.Find(k => !state.RoleList.Exists(r => r.Key == k)) is { } badRole)
            {
                return Error(400, "ROLE_NOT_FOUND", $"No role with key '{badRole}' exists.");
            }

            if (permissions.Find(k => !state.PermissionList.Exists(p => p.Key == k)) is { } badPermission)
            {
                return Error(400, "PERMISSION_NOT_FOUND", $"No permission with key '{badPermission}' exists.");
            }

            adds.Add((id!, roles, permissions));
        }

        var now = _time.GetUtcNow();
        var added = new List<string>();
        foreach (var (id, roles, permissions) in adds)
        {
            var member = org.FindMember(id);
            if (member is null)
            {
                member = new MemberData(id, now);
                org.AddMember(member);
            }

            member.Roles.AddRange(roles.Where(r => !member.Roles.Contains(r)).Distinct());
            member.Permissions.AddRange(permissions.Where(p => !member.Permissions.Contains(p)).Distinct());
            added.Add(id);
        }

        var result = Success("Users successfully added");
        result["users_added"] = StringArray(added);
        return Ok(result);
    }

    // ---------------------------------------------------------------- roles and permissions

    private ApiResult ListRoles(HttpContext ctx, JsonNode? body)
    {
        if (!TryPage(ctx, state.RoleList, out var page, out string? next, out var error))
        {
            return error;
        }

        var items = new JsonArray();
        foreach (var r in page)
        {
            items.Add(new JsonObject
            {
                ["id"] = r.Id,
                ["key"] = r.Key,
                ["name"] = r.Name,
                ["description"] = r.Description,
                ["is_default_role"] = r.IsDefaultRole,
            });
        }

        return Page("roles", items, next);
    }

    private ApiResult CreateRole(HttpContext ctx, JsonNode? body)
    {
        string? key = Str(body, "key");
        if (string.IsNullOrWhiteSpace(key))
        {
            return Error(400, "KEY_REQUIRED", "key is required.");
        }

        if (state.RoleList.Exists(r => r.Key == key))
        {
            return Error(400, "ROLE_KEY_ALREADY_EXISTS", $"A role with key '{key}' already exists.");
        }

        var role = new RoleData(state.NewUuid(1), key, Str(body, "name") ?? key)
        {
            Description = Str(body, "description"),
            IsDefaultRole = Bool(body, "is_default_role") ?? false,
        };
        state.RoleList.Add(role);
        var result = Success("Role successfully created");
        result["role"] = new JsonObject { ["id"] = role.Id };
        return new ApiResult(201, result);
    }

    private ApiResult ListRolePermissions(HttpContext ctx, JsonNode? body)
    {
        string? roleId = RouteValue(ctx, "role_id");
        if (state.RoleList.Find(r => r.Id == roleId) is not { } role)
        {
            return NotFound("ROLE_NOT_FOUND", "Role not found.");
        }

        var all = role.PermissionIds.Select(id => state.PermissionList.Find(p => p.Id == id)).OfType<EmulatedPermission>().ToList();
        if (!TryPage(ctx, all, out var page, out string? next, out var error))
        {
            return error;
        }

        return Page("permissions", PermissionsJson(page), next);
    }

    private ApiResult UpdateRolePermissions(HttpContext ctx, JsonNode? body)
    {
        string? roleId = RouteValue(ctx, "role_id");
        if (state.RoleList.Find(r => r.Id == roleId) is not { } role)
        {
            return NotFound("ROLE_NOT_FOUND", "Role not found.");
        }

        if (body?["permissions"] is not JsonArray permissions)
        {
            return Error(400, "PERMISSIONS_REQUIRED", "permissions must be an array.");
        }

        if (permissions.Count > MaxBulkObjects)
        {
            return Error(400, "TOO_MANY_OBJECTS", $"At most {MaxBulkObjects} permissions can be changed in one request.");
        }

        var changes = new List<(string Id, bool Delete)>();
        foreach (var node in permissions)
        {
            string? id = Str(node, "id");
            if (id is null || !state.PermissionList.Exists(p => p.Id == id))
            {
                return Error(400, "INVALID_PERMISSION_ID", $"No permission with id '{id}' exists.");
            }

            changes.Add((id, Str(node, "operation") == "delete"));
        }

        var added = new List<string>();
        var removed = new List<string>();
        foreach (var (id, delete) in changes)
        {
            if (delete)
            {
                if (role.PermissionIds.Remove(id))
                {
                    removed.Add(id);
                }
            }
            else if (!role.PermissionIds.Contains(id))
            {
                role.PermissionIds.Add(id);
                added.Add(id);
            }
        }

        var result = Success("Permissions successfully updated");
        result["permissions_added"] = StringArray(added);
        result["permissions_removed"] = StringArray(removed);
        return Ok(result);
    }

    private ApiResult ListPermissions(HttpContext ctx, JsonNode? body)
    {
        if (!TryPage(ctx, state.PermissionList, out var page, out string? next, out var error))
        {
            return error;
        }

        return Page("permissions", PermissionsJson(page), next);
    }

    private static JsonArray PermissionsJson(IEnumerable<EmulatedPermission> permissions)
    {
        var items = new JsonArray();
        foreach (var p in permissions)
        {
            items.Add(new JsonObject { ["id"] = p.Id, ["key"] = p.Key, ["name"] = p.Name, ["description"] = p.Description });
        }

        return items;
    }

    private ApiResult CreatePermission(HttpContext ctx, JsonNode? body)
    {
        string? key = Str(body, "key");
        if (string.IsNullOrWhiteSpace(key))
        {
            return Error(400, "KEY_REQUIRED", "key is required.");
        }

        if (state.PermissionList.Exists(p => p.Key == key))
        {
            return Error(400, "PERMISSION_KEY_ALREADY_EXISTS", $"A permission with key '{key}' already exists.");
        }

        state.PermissionList.Add(new EmulatedPermission(state.NewUuid(2), key, Str(body, "name") ?? key, Str(body, "description")));
        return new ApiResult(201, Success("Permission successfully created"));
    }

    // ---------------------------------------------------------------- helpers

    private bool TryFindUser(string? id, out UserData user, out ApiResult error)
    {
        error = default;
        user = null!;
        if (string.IsNullOrEmpty(id))
        {
            error = Error(400, "USER_ID_REQUIRED", "The user id is required.");
            return false;
        }

        if (state.FindUserData(id) is not { } found)
        {
            error = NotFound("USER_NOT_FOUND", "User not found.");
            return false;
        }

        user = found;
        return true;
    }

    /// <summary>Pages with <c>page_size</c> (default 10, at most 500) and an opaque <c>next_token</c> (the offset).</summary>
    private static bool TryPage<T>(HttpContext ctx, IReadOnlyList<T> all, out IReadOnlyList<T> page, out string? next, out ApiResult error)
    {
        page = [];
        next = null;
        if (!TryPageSize(ctx, out int size, out error))
        {
            return false;
        }

        int offset = 0;
        string? token = ctx.Request.Query["next_token"];
        if (!string.IsNullOrEmpty(token))
        {
            try
            {
                string decoded = Encoding.UTF8.GetString(Convert.FromBase64String(token));
                if (!decoded.StartsWith("offset:", StringComparison.Ordinal)
                    || !int.TryParse(decoded.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                {
                    throw new FormatException();
                }
            }
            catch (FormatException)
            {
                error = Error(400, "INVALID_NEXT_TOKEN", "next_token is not valid.");
                return false;
            }
        }

        page = all.Skip(offset).Take(size).ToArray();
        if (offset + size < all.Count)
        {
            next = Convert.ToBase64String(Encoding.UTF8.GetBytes("offset:" + (offset + size).ToString(CultureInfo.InvariantCulture)));
        }

        return true;
    }

    /// <summary>Pages with <c>page_size</c> and <c>starting_after</c> (an id), answering <c>has_more</c>.</summary>
    private static bool TryCursorPage<T>(HttpContext ctx, List<T> all, Func<T, string> id, out IReadOnlyList<T> page, out bool hasMore, out ApiResult error)
    {
        page = [];
        hasMore = false;
        if (!TryPageSize(ctx, out int size, out error))
        {
            return false;
        }

        string? after = ctx.Request.Query["starting_after"];
        int start = after is null ? 0 : all.FindIndex(x => id(x) == after) + 1;
        page = all.Skip(start).Take(size).ToArray();
        hasMore = start + size < all.Count;
        return true;
    }

    private static bool TryPageSize(HttpContext ctx, out int size, out ApiResult error)
    {
        error = default;
        size = 10;
        string? text = ctx.Request.Query["page_size"];
        if (text is null)
        {
            return true;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1)
        {
            error = Error(400, "INVALID_PAGE_SIZE", "page_size must be a positive integer.");
            return false;
        }

        if (size > MaxPageSize)
        {
            error = Error(400, "PAGE_SIZE_LIMIT_EXCEEDED", $"page_size must not be greater than {MaxPageSize}.");
            return false;
        }

        return true;
    }

    private static string? RouteValue(HttpContext ctx, string name) => ctx.Request.RouteValues[name] as string;

    private static HashSet<string>? SplitList(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return new HashSet<string>(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
    }

    private static string? Str(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool? Bool(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    private static int? Int(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue(out int i) ? i : null;

    private static List<string>? Strings(JsonNode? node)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            return null;
        }

        var list = new List<string>();
        foreach (var item in array)
        {
            if (item is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            {
                return null;
            }

            list.Add(v.GetValue<string>());
        }

        return list;
    }

    private static bool IsEmail(string value)
    {
        int at = value.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at < value.Length - 1 && value.IndexOf('@', at + 1) < 0 && !value.Any(char.IsWhiteSpace);
    }

    private static JsonArray StringArray(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static string Iso(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);

    private static JsonObject Success(string message) => new() { ["code"] = "OK", ["message"] = message };

    private static ApiResult Ok(JsonObject body) => new(200, body);

    /// <summary>A page of a <c>next_token</c> listing: the items under <paramref name="key"/>, the token while more follow.</summary>
    private static ApiResult Page(string key, JsonNode items, string? next)
    {
        var result = Success("Success");
        result[key] = items;
        if (next is not null)
        {
            result["next_token"] = next;
        }

        return Ok(result);
    }

    /// <summary>A page of a <c>starting_after</c> listing (properties, categories, identities), with <c>has_more</c>.</summary>
    private static ApiResult CursorPage(string key, JsonNode items, bool hasMore)
    {
        var result = Success("Success");
        result[key] = items;
        result["has_more"] = hasMore;
        return Ok(result);
    }

    private static ApiResult Error(int status, string code, string message) =>
        new(status, new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }) });

    private static ApiResult NotFound(string code, string message) =>
        new(404, new JsonObject { ["errors"] = new JsonObject { ["code"] = code, ["message"] = message } });

    private readonly record struct ApiResult(int Status, JsonNode Body);

    private sealed record TokenInfo(DateTimeOffset ExpiresAt, HashSet<string> Scopes);
}
