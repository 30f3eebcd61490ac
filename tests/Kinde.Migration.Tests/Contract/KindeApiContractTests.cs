using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Contract;

/// <summary>The checker itself: against Kinde's spec for real operations, and against a tiny spec for the schema
/// keywords Kinde's request bodies do not use.</summary>
public sealed class KindeApiContractTests
{
    private const string Password = "/api/v1/users/kp_1/password";

    private static KindeApiContract Kinde => KindeApiContract.Default;

    [Test]
    public void ConformingBody_HasNoViolations()
    {
        var violations = Kinde.Check("PUT", Password, """{"hashed_password":"$2a$10$x","hashing_method":"bcrypt","is_temporary_password":false}""");

        Assert.That(violations, Is.Empty);
    }

    [Test]
    public void ConformingCreateUser_WithNestedIdentities_HasNoViolations()
    {
        const string Body = """
            {"profile":{"given_name":"Lee","family_name":"Liu"},"provided_id":"auth0|1",
             "identities":[{"type":"email","is_verified":true,"details":{"email":"lee@example.com"}},
                           {"type":"phone","details":{"phone":"+61426148233","phone_country_id":"au"}}]}
            """;

        Assert.That(Kinde.Check("POST", "/api/v1/user", Body), Is.Empty);
    }

    [Test]
    public void MissingRequiredProperty_IsReported()
    {
        var violations = Kinde.Check("PUT", Password, """{"hashing_method":"bcrypt"}""");

        Assert.That(violations, Is.EqualTo(new[]
        {
            "PUT /api/v1/users/{user_id}/password: body $: required property 'hashed_password' is missing",
        }));
    }

    [Test]
    public void WrongEnumValue_IsReported()
    {
        var violations = Kinde.Check("PUT", Password, """{"hashed_password":"x","hashing_method":"argon2"}""");

        Assert.That(violations, Has.Count.EqualTo(1));
        Assert.That(violations[0], Does.StartWith("PUT /api/v1/users/{user_id}/password: body $.hashing_method: \"argon2\" is not one of [bcrypt,"));
    }

    [Test]
    public void NestedWrongEnumValue_IsReportedWithItsPath()
    {
        var violations = Kinde.Check("POST", "/api/v1/user", """{"identities":[{"type":"email"},{"type":"social"}]}""");

        Assert.That(violations, Has.Count.EqualTo(1));
        Assert.That(violations[0], Does.Contain("body $.identities[1].type: \"social\" is not one of [email, phone, username]"));
    }

    [Test]
    public void UndeclaredProperty_IsReported_EvenWithoutAdditionalPropertiesFalse()
    {
        var violations = Kinde.Check("PATCH", "/api/v1/user?id=kp_1", """{"is_suspend":true}""");

        Assert.That(violations, Has.Count.EqualTo(1));
        Assert.That(violations[0], Does.StartWith("PATCH /api/v1/user: body $.is_suspend: is not declared in the schema (declared: family_name, given_name,"));
    }

    [Test]
    public void FreeFormObject_AcceptsAnyProperty()
    {
        var violations = Kinde.Check("PATCH", "/api/v1/users/kp_1/properties", """{"properties":{"theme":"dark","any_key":"x"}}""");

        Assert.That(violations, Is.Empty);
    }

    [Test]
    public void WrongType_IsReported()
    {
        var violations = Kinde.Check("PATCH", "/api/v1/user?id=kp_1", """{"is_suspended":"yes"}""");

        Assert.That(violations, Is.EqualTo(new[] { "PATCH /api/v1/user: body $.is_suspended: expected boolean, got string" }));
    }

    [Test]
    public void WrongTopLevelType_IsReported()
    {
        var violations = Kinde.Check("PATCH", "/api/v1/users/kp_1/properties", """{"properties":["theme"]}""");

        Assert.That(violations, Is.EqualTo(new[] { "PATCH /api/v1/users/{user_id}/properties: body $.properties: expected object, got array" }));
    }

    [Test]
    public void UnknownPath_IsReported()
    {
        var violations = Kinde.Check("GET", "/api/v1/userz", null);

        Assert.That(violations, Is.EqualTo(new[] { "GET /api/v1/userz: no path in the spec matches" }));
    }

    [Test]
    public void UnknownMethodOnAKnownPath_IsReported()
    {
        var violations = Kinde.Check("POST", Password, """{"hashed_password":"x"}""");

        Assert.That(violations, Is.EqualTo(new[] { "POST /api/v1/users/{user_id}/password: the spec has no POST here (it has PUT)" }));
    }

    [Test]
    public void PathParameter_MatchesOneSegmentOnly()
    {
        Assert.That(Kinde.Check("PUT", "/api/v1/users/kp_1/extra/password", """{"hashed_password":"x"}"""), Is.Not.Empty);
        Assert.That(Kinde.Check("PUT", "/api/v1/users//password", """{"hashed_password":"x"}"""), Is.Not.Empty);
    }

    [Test]
    public void LiteralSegment_WinsOverATemplate()
    {
        // /api/v1/api_keys/verify (POST) and /api/v1/api_keys/{key_id} (GET, DELETE) share a shape.
        Assert.That(Kinde.Check("DELETE", "/api/v1/api_keys/key_1", null), Is.Empty);
        Assert.That(Kinde.Check("POST", "/api/v1/api_keys/verify", """{"api_key":"k"}"""), Is.Empty);
    }

    [Test]
    public void UndeclaredQueryParameter_IsReported()
    {
        var violations = Kinde.Check("GET", "/api/v1/users?page_size=10&emails=a%40example.com", null);

        Assert.That(violations, Has.Count.EqualTo(1));
        Assert.That(violations[0], Does.StartWith("GET /api/v1/users: query parameter 'emails' is not declared (declared: "));
    }

    [Test]
    public void QueryValues_AreCheckedAgainstSimpleTypes()
    {
        var violations = Kinde.Check("GET", "/api/v1/users?page_size=ten&has_organization=yes&email=a%40example.com", null);

        Assert.That(violations, Is.EqualTo(new[]
        {
            "GET /api/v1/users: query parameter 'page_size': 'ten' is not of type integer",
            "GET /api/v1/users: query parameter 'has_organization': 'yes' is not of type boolean",
        }));
    }

    [Test]
    public void MissingRequiredQueryParameter_IsReported()
    {
        var violations = Kinde.Check("PATCH", "/api/v1/user", """{"is_suspended":true}""");

        Assert.That(violations, Is.EqualTo(new[] { "PATCH /api/v1/user: required query parameter 'id' is missing" }));
    }

    [Test]
    public void BodyOnAnOperationWithoutOne_IsReported()
    {
        var violations = Kinde.Check("GET", "/api/v1/users", "{}");

        Assert.That(violations, Is.EqualTo(new[] { "GET /api/v1/users: a body was sent, but the operation declares none" }));
    }

    [Test]
    public void MissingRequiredBody_IsReported()
    {
        Assert.That(Kinde.Check("PUT", Password, null), Is.EqualTo(new[]
        {
            "PUT /api/v1/users/{user_id}/password: the body is required, but none was sent",
        }));
    }

    [Test]
    public void InvalidJson_IsReported()
    {
        Assert.That(Kinde.Check("PUT", Password, "{"), Has.One.Contains("the body is not valid JSON"));
    }

    [Test]
    public void TokenEndpoint_IsNotInTheSpec_AndAlwaysConforms()
    {
        Assert.That(Kinde.Check("POST", "/oauth2/token", null), Is.Empty);
    }

    [Test]
    public void PathLevelAndReferencedParameters_AreDeclared()
    {
        // /api/v1/applications/{application_id}/properties/{property_key} declares its parameters by $ref at path level.
        var violations = Kinde.Check("PUT", "/api/v1/applications/app_1/properties/kp_key", """{"value":true}""");

        Assert.That(violations, Is.Empty);
    }

    [Test]
    public void OneOf_PicksTheMatchingAlternative()
    {
        const string Path = "/api/v1/applications/app_1/properties/kp_key";

        Assert.That(Kinde.Check("PUT", Path, """{"value":"text"}"""), Is.Empty);
        Assert.That(Kinde.Check("PUT", Path, """{"value":3}"""), Has.One.Contains("body $.value: matches none of the 2 oneOf alternatives"));
    }

    // ---------------------------------------------------------------- keywords Kinde's request bodies do not use

    private const string TinySpec = """
        openapi: 3.0.0
        paths:
          /things:
            post:
              parameters:
                - name: mode
                  in: query
                  required: true
                  schema: { type: string, enum: [fast, slow] }
                - $ref: '#/components/parameters/limit'
              requestBody:
                $ref: '#/components/requestBodies/thing'
        components:
          parameters:
            limit:
              name: limit
              in: query
              schema: { type: integer }
          requestBodies:
            thing:
              required: true
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/thing'
          schemas:
            named:
              type: object
              properties:
                name: { type: string, nullable: true }
            thing:
              allOf:
                - $ref: '#/components/schemas/named'
                - type: object
                  required: [tags]
                  properties:
                    tags:
                      type: array
                      minItems: 1
                      maxItems: 2
                      items: { type: string }
                    contact: { type: string, format: email }
                    count: { type: integer }
                    strict:
                      type: object
                      additionalProperties: false
                    labels:
                      type: object
                      additionalProperties: { type: integer }
                    choice:
                      anyOf:
                        - { type: string }
                        - { type: integer }
        """;

    [Test]
    public void TinySpec_ConformingRequest_HasNoViolations()
    {
        var contract = LoadTiny();

        var violations = contract.Check("POST", "/things?mode=fast&limit=5",
            """{"name":null,"tags":["a"],"contact":"a@b.c","count":2,"strict":{},"labels":{"x":1},"choice":4}""");

        Assert.That(violations, Is.Empty);
    }

    [Test]
    public void TinySpec_EachKeyword_CanFail()
    {
        var contract = LoadTiny();

        var violations = contract.Check("POST", "/things?mode=quick&limit=1.5",
            """{"nam":"x","tags":["a","b","c"],"contact":"nobody","count":1.5,"strict":{"x":1},"labels":{"x":"one"},"choice":true}""");

        Assert.That(violations, Is.EquivalentTo(new[]
        {
            "POST /things: query parameter 'mode': 'quick' is not one of [fast, slow]",
            "POST /things: query parameter 'limit': '1.5' is not of type integer",
            "POST /things: body $.nam: is not declared in the schema (declared: choice, contact, count, labels, name, strict, tags)",
            "POST /things: body $.tags: has 3 items, more than maxItems 2",
            "POST /things: body $.contact: is not an email address",
            "POST /things: body $.count: expected integer, got number",
            "POST /things: body $.strict.x: is not allowed (additionalProperties: false)",
            "POST /things: body $.labels.x: expected integer, got string",
            "POST /things: body $.choice: matches none of the 2 anyOf alternatives (closest: $.choice: expected string, got boolean)",
        }));
    }

    [Test]
    public void TinySpec_RequiredQueryAndAllOfRequired_AreReported()
    {
        var contract = LoadTiny();

        var violations = contract.Check("POST", "/things", """{"tags":[]}""");

        Assert.That(violations, Is.EquivalentTo(new[]
        {
            "POST /things: required query parameter 'mode' is missing",
            "POST /things: body $.tags: has 0 items, fewer than minItems 1",
        }));
        Assert.That(contract.Check("POST", "/things?mode=slow", "{}"), Is.EqualTo(new[] { "POST /things: body $: required property 'tags' is missing" }));
    }

    private static KindeApiContract LoadTiny()
    {
        using var temp = new TempDirectory();
        return KindeApiContract.Load(temp.Write("tiny.yaml", TinySpec));
    }
}
