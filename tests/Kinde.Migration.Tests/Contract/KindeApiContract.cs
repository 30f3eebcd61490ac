using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kinde.Migration.Tests.Helpers;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kinde.Migration.Tests.Contract;

/// <summary>
/// Checks a request against Kinde's Management API OpenAPI spec: the operation must exist, its query parameters must be
/// declared (and required ones present), and its JSON body must match the operation's request schema. Generic over the
/// whole spec: nothing here knows which calls the client makes.
/// </summary>
/// <remarks>
/// <para><b>Stricter than OpenAPI on purpose:</b> an object schema that lists <c>properties</c> rejects any other
/// property unless <c>additionalProperties</c> is <c>true</c> or a schema, even though OpenAPI allows extra properties
/// when <c>additionalProperties</c> is left out. An undeclared property is almost always a typo or a field Kinde does
/// not know, which it may silently ignore. An object schema with neither <c>properties</c> nor
/// <c>additionalProperties</c> is a free-form map (for example <c>properties</c> in
/// <c>PATCH /api/v1/users/{user_id}/properties</c>) and accepts any property.</para>
/// <para>Supported schema keywords: <c>$ref</c> (components/schemas, components/parameters, components/requestBodies),
/// <c>type</c> (object, array, string, integer, number, boolean), <c>nullable</c>, <c>properties</c>,
/// <c>required</c>, <c>additionalProperties</c>, <c>enum</c>, <c>items</c>, <c>minItems</c>/<c>maxItems</c>,
/// <c>minLength</c>/<c>maxLength</c>, <c>allOf</c>/<c>oneOf</c>/<c>anyOf</c>, and <c>format: email</c> loosely (an
/// <c>@</c> between two non-empty parts). Other formats, patterns and headers are not checked.</para>
/// <para><c>POST /oauth2/token</c> is not in the spec (it is form-encoded OAuth): it always conforms.</para>
/// <para>The spec is read once and never changed, so <see cref="Check"/> may be called from several threads.</para>
/// </remarks>
internal sealed partial class KindeApiContract
{
    private const string JsonContentType = "application/json";
    private const int MaxRefDepth = 32;

    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    private static readonly string[] AlternativeKeywords = ["oneOf", "anyOf"];

    private static readonly Lazy<KindeApiContract> LazyDefault =
        new(() => Load(TestData.PathOf(Path.Combine("kinde", "kinde-mgmt-api-spec.yaml"))));

    private readonly JsonObject _spec;
    private readonly List<PathTemplate> _paths;

    private KindeApiContract(JsonObject spec)
    {
        _spec = spec;
        _paths = [];
        if (spec["paths"] is JsonObject paths)
        {
            foreach (var (template, item) in paths)
            {
                if (item is JsonObject pathItem)
                {
                    _paths.Add(new PathTemplate(template, template.TrimStart('/').Split('/'), pathItem));
                }
            }
        }
    }

    /// <summary>Gets the contract of the spec copied into the tests, <c>tests/data/kinde/kinde-mgmt-api-spec.yaml</c>,
    /// read on first use.</summary>
    public static KindeApiContract Default => LazyDefault.Value;

    /// <summary>Reads an OpenAPI 3.0 spec in YAML.</summary>
    /// <param name="specPath">The spec file.</param>
    /// <returns>The contract.</returns>
    public static KindeApiContract Load(string specPath)
    {
        using var reader = new StreamReader(specPath);
        var yaml = new YamlStream();
        yaml.Load(reader);
        if (yaml.Documents.Count != 1 || ToJson(yaml.Documents[0].RootNode) is not JsonObject spec)
        {
            throw new InvalidDataException($"{specPath} is not a single YAML mapping.");
        }

        return new KindeApiContract(spec);
    }

    /// <summary>Checks one request.</summary>
    /// <param name="method">The HTTP method, for example <c>PUT</c>.</param>
    /// <param name="pathAndQuery">The path (percent-encoded) with its query string, for example
    /// <c>/api/v1/user?id=kp_1</c>.</param>
    /// <param name="jsonBody">The body as JSON text, or <see langword="null"/> (or blank) when there is none.</param>
    /// <returns>Human-readable violations, each starting with the method and the path template; empty when the request
    /// conforms.</returns>
    public IReadOnlyList<string> Check(string method, string pathAndQuery, string? jsonBody)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        string verb = method.ToUpperInvariant();
        int q = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        string path = q < 0 ? pathAndQuery : pathAndQuery[..q];
        string query = q < 0 ? "" : pathAndQuery[(q + 1)..];
        if (!path.StartsWith('/'))
        {
            path = "/" + path;
        }

        if (verb == "POST" && path == "/oauth2/token")
        {
            return [];
        }

        var errors = new List<string>();
        if (FindOperation(verb, path, errors) is not { } found)
        {
            return errors;
        }

        var (template, pathItem, operation, pathValues) = found;
        string prefix = $"{verb} {template.Template}";
        var parameters = Parameters(pathItem, operation);
        CheckPath(prefix, parameters, pathValues, errors);
        CheckQuery(prefix, parameters, query, errors);
        CheckBody(prefix, operation, jsonBody, errors);
        return errors.Distinct(StringComparer.Ordinal).ToList();
    }

    // ---------------------------------------------------------------- operations and parameters

    /// <summary>Finds the operation; a literal segment beats a template one (<c>/api_keys/verify</c> over
    /// <c>/api_keys/{key_id}</c>).</summary>
    private (PathTemplate Template, JsonObject PathItem, JsonObject Operation, Dictionary<string, string> PathValues)? FindOperation(
        string verb, string path, List<string> errors)
    {
        string[] segments = path.TrimStart('/').Split('/');
        var matches = new List<(PathTemplate Template, Dictionary<string, string> Values, int Literals)>();
        foreach (var template in _paths)
        {
            if (template.Match(segments) is { } values)
            {
                matches.Add((template, values, template.Segments.Length - values.Count));
            }
        }

        if (matches.Count == 0)
        {
            errors.Add($"{verb} {path}: no path in the spec matches");
            return null;
        }

        var withMethod = matches.Where(m => m.Template.Item[verb.ToLowerInvariant()] is JsonObject)
            .OrderByDescending(m => m.Literals).ToList();
        if (withMethod.Count == 0)
        {
            var allowed = matches.SelectMany(m => Methods.Where(x => m.Template.Item[x] is JsonObject)).Select(x => x.ToUpperInvariant()).Distinct();
            errors.Add($"{verb} {matches[0].Template.Template}: the spec has no {verb} here (it has {string.Join(", ", allowed)})");
            return null;
        }

        var best = withMethod[0];
        return (best.Template, best.Template.Item, (JsonObject)best.Template.Item[verb.ToLowerInvariant()]!, best.Values);
    }

    /// <summary>The operation's parameters by (in, name): path-level ones, overridden by operation-level ones.</summary>
    private Dictionary<(string In, string Name), JsonObject> Parameters(JsonObject pathItem, JsonObject operation)
    {
        var result = new Dictionary<(string, string), JsonObject>();
        foreach (var list in new[] { pathItem["parameters"], operation["parameters"] })
        {
            foreach (var p in (list as JsonArray ?? []).OfType<JsonObject>())
            {
                var parameter = Resolve(p);
                if (Text(parameter, "in") is { } where && Text(parameter, "name") is { } name)
                {
                    result[(where, name)] = parameter;
                }
            }
        }

        return result;
    }

    private void CheckPath(string prefix, Dictionary<(string In, string Name), JsonObject> parameters, Dictionary<string, string> values, List<string> errors)
    {
        foreach (var (name, value) in values)
        {
            if (!parameters.TryGetValue(("path", name), out var parameter))
            {
                continue; // an undeclared path parameter is the spec's problem, not the request's
            }

            CheckScalar($"{prefix}: path parameter '{name}'", parameter["schema"] as JsonObject, value, errors);
        }
    }

    private void CheckQuery(string prefix, Dictionary<(string In, string Name), JsonObject> parameters, string query, List<string> errors)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = Unescape(eq < 0 ? pair : pair[..eq]);
            string value = Unescape(eq < 0 ? "" : pair[(eq + 1)..]);

            // deepObject parameters are sent as name[key]=value.
            int bracket = name.IndexOf('[', StringComparison.Ordinal);
            if (bracket > 0 && parameters.TryGetValue(("query", name[..bracket]), out var deep) && Text(deep, "style") == "deepObject")
            {
                sent.Add(name[..bracket]);
                continue;
            }

            sent.Add(name);
            if (!parameters.TryGetValue(("query", name), out var parameter))
            {
                var declared = parameters.Keys.Where(k => k.In == "query").Select(k => k.Name).Order(StringComparer.Ordinal);
                errors.Add($"{prefix}: query parameter '{name}' is not declared (declared: {string.Join(", ", declared)})");
                continue;
            }

            var schema = parameter["schema"] is JsonObject s ? Resolve(s) : null;
            if (schema is not null && Text(schema, "type") == "array")
            {
                schema = schema["items"] as JsonObject; // form style: the name repeats, one item each
            }

            CheckScalar($"{prefix}: query parameter '{name}'", schema, value, errors);
        }

        foreach (var ((where, name), parameter) in parameters)
        {
            if (where == "query" && parameter["required"]?.GetValueKind() == JsonValueKind.True && !sent.Contains(name))
            {
                errors.Add($"{prefix}: required query parameter '{name}' is missing");
            }
        }
    }

    /// <summary>Checks a path or query value against a simple schema: integer, number, boolean, enum.</summary>
    private void CheckScalar(string what, JsonObject? schema, string value, List<string> errors)
    {
        if (schema is null)
        {
            return;
        }

        schema = Resolve(schema);
        bool ok = Text(schema, "type") switch
        {
            "integer" => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            "number" => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d),
            "boolean" => value is "true" or "false",
            _ => true,
        };
        if (!ok)
        {
            errors.Add($"{what}: '{value}' is not of type {Text(schema, "type")}");
        }
        else if (schema["enum"] is JsonArray options && !options.Any(o => ScalarText(o) == value))
        {
            errors.Add($"{what}: '{value}' is not one of [{string.Join(", ", options)}]");
        }
    }

    // ---------------------------------------------------------------- body

    private void CheckBody(string prefix, JsonObject operation, string? jsonBody, List<string> errors)
    {
        bool hasBody = !string.IsNullOrWhiteSpace(jsonBody);
        var requestBody = operation["requestBody"] is JsonObject rb ? Resolve(rb) : null;
        if (requestBody is null)
        {
            if (hasBody)
            {
                errors.Add($"{prefix}: a body was sent, but the operation declares none");
            }

            return;
        }

        if (!hasBody)
        {
            if (requestBody["required"]?.GetValueKind() == JsonValueKind.True)
            {
                errors.Add($"{prefix}: the body is required, but none was sent");
            }

            return;
        }

        var content = requestBody["content"] as JsonObject ?? [];
        var media = content[JsonContentType] as JsonObject
            ?? content.Where(c => c.Key.StartsWith(JsonContentType, StringComparison.OrdinalIgnoreCase)).Select(c => c.Value).OfType<JsonObject>().FirstOrDefault();
        if (media is null)
        {
            errors.Add($"{prefix}: a JSON body was sent, but the operation takes {string.Join(", ", content.Select(c => c.Key))}");
            return;
        }

        JsonNode? body;
        try
        {
            body = JsonNode.Parse(jsonBody!);
        }
        catch (JsonException ex)
        {
            errors.Add($"{prefix}: the body is not valid JSON ({ex.Message})");
            return;
        }

        if (media["schema"] is JsonObject schema)
        {
            var found = new List<string>();
            Validate(body, schema, "$", found, []);
            errors.AddRange(found.Select(e => $"{prefix}: body {e}"));
        }
    }

    /// <summary>Validates a value. <paramref name="inherited"/> holds property names declared by enclosing
    /// <c>allOf</c>/<c>oneOf</c> parts, which a part does not report as undeclared.</summary>
    private void Validate(JsonNode? value, JsonObject schema, string at, List<string> errors, HashSet<string> inherited)
    {
        schema = Resolve(schema);
        string? type = Text(schema, "type");
        if (value is null)
        {
            if (type is not null && schema["nullable"]?.GetValueKind() != JsonValueKind.True)
            {
                errors.Add($"{at}: is null, but the schema is not nullable");
            }

            return;
        }

        if (schema["allOf"] is JsonArray allOf)
        {
            var declared = new HashSet<string>(inherited, StringComparer.Ordinal);
            declared.UnionWith(AllDeclared(schema, 0));
            foreach (var part in allOf.OfType<JsonObject>())
            {
                Validate(value, part, at, errors, declared);
            }
        }

        foreach (string keyword in AlternativeKeywords)
        {
            if (schema[keyword] is JsonArray alternatives)
            {
                ValidateAlternatives(value, schema, keyword, alternatives, at, errors, inherited);
            }
        }

        if (type is not null && !HasType(value, type))
        {
            errors.Add($"{at}: expected {type}, got {KindOf(value)}");
            return;
        }

        if (schema["enum"] is JsonArray options && !options.Any(o => o is not null && SameScalar(o, value)))
        {
            errors.Add($"{at}: {value.ToJsonString()} is not one of [{string.Join(", ", options)}]");
        }

        switch (value)
        {
            case JsonObject obj when type == "object" || schema["properties"] is not null || schema["required"] is not null || schema["additionalProperties"] is not null:
                ValidateObject(obj, schema, at, errors, inherited);
                break;
            case JsonArray array:
                ValidateArray(array, schema, at, errors);
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                ValidateString(v.GetValue<string>(), schema, at, errors);
                break;
        }
    }

    private void ValidateAlternatives(
        JsonNode value, JsonObject schema, string keyword, JsonArray alternatives, string at, List<string> errors, HashSet<string> inherited)
    {
        // An alternative may use the parent's own properties, but not another alternative's.
        var declared = new HashSet<string>(inherited, StringComparer.Ordinal);
        declared.UnionWith(OwnDeclared(schema, 0));
        var results = alternatives.OfType<JsonObject>().Select(alternative =>
        {
            var found = new List<string>();
            Validate(value, alternative, at, found, declared);
            return found;
        }).ToList();
        int passing = results.Count(r => r.Count == 0);
        if (passing == 0)
        {
            var closest = results.OrderBy(r => r.Count).First();
            errors.Add($"{at}: matches none of the {results.Count} {keyword} alternatives (closest: {string.Join("; ", closest)})");
        }
        else if (passing > 1 && keyword == "oneOf")
        {
            errors.Add($"{at}: matches {passing} oneOf alternatives, exactly one expected");
        }
    }

    private void ValidateObject(JsonObject obj, JsonObject schema, string at, List<string> errors, HashSet<string> inherited)
    {
        var properties = schema["properties"] as JsonObject;
        foreach (var name in (schema["required"] as JsonArray ?? []).Select(r => r?.ToString()).OfType<string>())
        {
            if (!obj.ContainsKey(name))
            {
                errors.Add($"{at}: required property '{name}' is missing");
            }
        }

        var allowed = new HashSet<string>(inherited, StringComparer.Ordinal);
        allowed.UnionWith(AllDeclared(schema, 0));
        var additional = schema["additionalProperties"];
        foreach (var (name, item) in obj)
        {
            string itemAt = $"{at}.{name}";
            if (properties?[name] is JsonObject propertySchema)
            {
                Validate(item, propertySchema, itemAt, errors, []);
            }
            else if (additional is JsonObject additionalSchema)
            {
                Validate(item, additionalSchema, itemAt, errors, []);
            }
            else if (additional?.GetValueKind() == JsonValueKind.False)
            {
                errors.Add($"{itemAt}: is not allowed (additionalProperties: false)");
            }
            else if (additional is null && allowed.Count > 0 && !allowed.Contains(name))
            {
                // Deliberately stricter than OpenAPI: see the class remarks.
                errors.Add($"{itemAt}: is not declared in the schema (declared: {string.Join(", ", allowed.Order(StringComparer.Ordinal))})");
            }
        }
    }

    private void ValidateArray(JsonArray array, JsonObject schema, string at, List<string> errors)
    {
        if (Number(schema, "minItems") is { } min && array.Count < min)
        {
            errors.Add($"{at}: has {array.Count} items, fewer than minItems {min}");
        }

        if (Number(schema, "maxItems") is { } max && array.Count > max)
        {
            errors.Add($"{at}: has {array.Count} items, more than maxItems {max}");
        }

        if (schema["items"] is JsonObject items)
        {
            for (int i = 0; i < array.Count; i++)
            {
                Validate(array[i], items, $"{at}[{i}]", errors, []);
            }
        }
    }

    private static void ValidateString(string value, JsonObject schema, string at, List<string> errors)
    {
        if (Number(schema, "minLength") is { } min && value.Length < min)
        {
            errors.Add($"{at}: is {value.Length} characters, fewer than minLength {min}");
        }

        if (Number(schema, "maxLength") is { } max && value.Length > max)
        {
            errors.Add($"{at}: is {value.Length} characters, more than maxLength {max}");
        }

        if (Text(schema, "format") == "email" && !LooseEmail().IsMatch(value))
        {
            errors.Add($"{at}: is not an email address");
        }
    }

    /// <summary>Property names the schema itself declares, including through <c>allOf</c>.</summary>
    private HashSet<string> OwnDeclared(JsonObject schema, int depth)
    {
        schema = Resolve(schema);
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (schema["properties"] is JsonObject properties)
        {
            names.UnionWith(properties.Select(p => p.Key));
        }

        if (depth < MaxRefDepth && schema["allOf"] is JsonArray parts)
        {
            foreach (var part in parts.OfType<JsonObject>())
            {
                names.UnionWith(AllDeclared(part, depth + 1));
            }
        }

        return names;
    }

    /// <summary>Property names the schema may hold: its own, and those of every <c>oneOf</c>/<c>anyOf</c> alternative.</summary>
    private HashSet<string> AllDeclared(JsonObject schema, int depth)
    {
        var names = OwnDeclared(schema, depth);
        schema = Resolve(schema);
        foreach (string keyword in AlternativeKeywords)
        {
            if (depth < MaxRefDepth && schema[keyword] is JsonArray alternatives)
            {
                foreach (var alternative in alternatives.OfType<JsonObject>())
                {
                    names.UnionWith(AllDeclared(alternative, depth + 1));
                }
            }
        }

        return names;
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Follows <c>$ref</c> (local JSON pointers only) until a node without one.</summary>
    private JsonObject Resolve(JsonObject node)
    {
        for (int depth = 0; Text(node, "$ref") is { } reference; depth++)
        {
            if (depth >= MaxRefDepth || !reference.StartsWith("#/", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"Cannot resolve $ref '{reference}'.");
            }

            JsonNode? target = _spec;
            foreach (string part in reference[2..].Split('/'))
            {
                target = target?[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)];
            }

            node = target as JsonObject ?? throw new InvalidDataException($"$ref '{reference}' points at nothing.");
        }

        return node;
    }

    private static string? Text(JsonObject node, string key) =>
        node[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static long? Number(JsonObject node, string key) =>
        node[key] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? (long)AsDouble(v) : null;

    private static bool HasType(JsonNode value, string type) => type switch
    {
        "object" => value is JsonObject,
        "array" => value is JsonArray,
        "string" => value.GetValueKind() == JsonValueKind.String,
        "number" => value.GetValueKind() == JsonValueKind.Number,
        "integer" => value.GetValueKind() == JsonValueKind.Number && double.IsInteger(AsDouble(value)),
        "boolean" => value.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        _ => true,
    };

    private static string KindOf(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    private static bool SameScalar(JsonNode a, JsonNode b)
    {
        var kind = a.GetValueKind();
        if (kind != b.GetValueKind())
        {
            return false;
        }

        return kind switch
        {
            JsonValueKind.String => a.GetValue<string>() == b.GetValue<string>(),
            JsonValueKind.Number => AsDouble(a) == AsDouble(b),
            _ => JsonNode.DeepEquals(a, b),
        };
    }

    /// <summary>A number as a double, whether parsed from the body (a JSON element) or from the YAML (a long or double).</summary>
    private static double AsDouble(JsonNode node) => node switch
    {
        JsonValue v when v.TryGetValue(out double d) => d,
        JsonValue v when v.TryGetValue(out long l) => l,
        _ => double.NaN,
    };

    private static string? ScalarText(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue(out string? text) ? text : node?.ToJsonString();

    private static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    /// <summary>YAML to JSON. Plain scalars become numbers, booleans or null when they look like one; quoted ones stay
    /// strings (so <c>'200'</c> and <c>'off'</c> are strings).</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => ScalarToJson(scalar),
        _ => throw new InvalidDataException($"Unsupported YAML node at {node.Start}."),
    };

    private static JsonNode? ScalarToJson(YamlScalarNode scalar)
    {
        string text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) => JsonValue.Create(l),
            _ when YamlFloat().IsMatch(text) => JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture)),
            _ => JsonValue.Create(text),
        };
    }

    [GeneratedRegex(@"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")]
    private static partial Regex YamlFloat();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+$")]
    private static partial Regex LooseEmail();

    /// <summary>A path of the spec split into segments; <c>{name}</c> segments match any one non-empty segment.</summary>
    private sealed record PathTemplate(string Template, string[] Segments, JsonObject Item)
    {
        public Dictionary<string, string>? Match(string[] segments)
        {
            if (segments.Length != Segments.Length)
            {
                return null;
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < segments.Length; i++)
            {
                string pattern = Segments[i];
                string segment = Uri.UnescapeDataString(segments[i]);
                if (pattern.Length > 2 && pattern[0] == '{' && pattern[^1] == '}')
                {
                    if (segment.Length == 0)
                    {
                        return null;
                    }

                    values[pattern[1..^1]] = segment;
                }
                else if (!string.Equals(pattern, segment, StringComparison.Ordinal))
                {
                    return null;
                }
            }

            return values;
        }
    }
}
