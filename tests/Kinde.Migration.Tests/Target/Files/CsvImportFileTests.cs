using Kinde.Migration.Target;
using Kinde.Migration.Target.Files;

namespace Kinde.Migration.Tests.Target.Files;

public class CsvImportFileTests : ImportFileTestBase
{
    private const string Header =
        "id,email,email_verified,phone,phone_verified,username,first_name,last_name,hashed_password,hashing_method,salt,salt_position,salt_format,external_organization_id,roles,permissions";

    private static readonly int[] BooleanColumns = [2, 4];

    [Test]
    public async Task HeaderIsExact_EveryRowHas16Cells_BooleansAreTrueFalseOrEmpty()
    {
        List<KindeUser> users = ManyUsers(60);
        var (paths, writer) = await WriteAllAsync(Options(KindeImportFileFormat.Csv), users);

        Assert.That(paths, Has.Count.EqualTo(1));
        Assert.That(ReadLines(paths[0])[0], Is.EqualTo(Header));
        List<string[]> rows = ReadCsv(paths[0]);
        Assert.That(rows[0], Is.EqualTo(Header.Split(',')));
        List<string[]> data = rows.Skip(1).ToList();
        int expectedRows = users.Sum(u => Math.Max(1, u.Organizations.Count));
        Assert.That(data, Has.Count.EqualTo(expectedRows));
        Assert.That(writer.RowsWritten, Is.EqualTo(expectedRows));
        Assert.That(writer.UsersWritten, Is.EqualTo(60));
        Assert.That(data.Select(r => r.Length), Has.All.EqualTo(16));
        foreach (int column in BooleanColumns)
        {
            Assert.That(data.Select(r => r[column]), Has.All.AnyOf("TRUE", "FALSE", string.Empty));
        }

        Assert.That(data.Select(r => r[2]).Distinct(), Is.EquivalentTo(new[] { "TRUE", "FALSE", string.Empty }), "the sample has all three");

        Assert.That(data.Select(r => r[9]).Where(m => m.Length > 0), Has.All.AnyOf("crypt", "bcrypt", "sha256", "md5", "wordpress", "pbkdf2"));
        Assert.That(data.Select(r => r[11]), Has.All.AnyOf("prefix", "suffix", string.Empty));
    }

    [Test]
    public async Task SampleUser_ProducesTheExactRows()
    {
        var (paths, writer) = await WriteAllAsync(Options(KindeImportFileFormat.Csv), [SampleUser()]);

        Assert.That(File.ReadAllText(paths[0]), Is.EqualTo(
            Header + "\n" +
            "auth0|5f7c8ec7c33c6c004bbafe82,ada@example.com,TRUE,,,,Ada,Lovelace,$2a$10$t8Jz3hJCCTFk/Acja7bw3OpamB3xuLPhpJlRHb31bXIjfzeTfn8rq,bcrypt,,,,org_acme,admin,\n"));
        Assert.That(writer.Warnings, Is.EqualTo(new Dictionary<string, long> { [KindeImportWarnings.CsvCannotHoldSocialIdentity] = 1 }));
    }

    [Test]
    public async Task OneRowPerOrganization_RolesAndPermissionsShareOneQuotedCell()
    {
        KindeUser user = SampleUser();
        user.Organizations.Clear();
        user.Organizations.Add(new KindeOrganizationMembership("org_a") { Roles = ["admin", "member"], Permissions = ["read", "write"] });
        user.Organizations.Add(new KindeOrganizationMembership("org_b") { Roles = ["viewer"] });
        user.Organizations.Add(new KindeOrganizationMembership("org_c"));
        KindeUser noOrg = SampleUser();
        noOrg.Id = "auth0|no-org";
        noOrg.Organizations.Clear();
        var (paths, writer) = await WriteAllAsync(Options(KindeImportFileFormat.Csv), [user, noOrg]);

        string[] lines = ReadLines(paths[0]);
        Assert.That(lines[1], Does.EndWith(",org_a,\"admin,member\",\"read,write\""));
        List<string[]> rows = ReadCsv(paths[0]).Skip(1).ToList();
        Assert.That(rows.Select(r => (r[0], r[13], r[14], r[15])), Is.EqualTo(new[]
        {
            ("auth0|5f7c8ec7c33c6c004bbafe82", "org_a", "admin,member", "read,write"),
            ("auth0|5f7c8ec7c33c6c004bbafe82", "org_b", "viewer", string.Empty),
            ("auth0|5f7c8ec7c33c6c004bbafe82", "org_c", string.Empty, string.Empty),
            ("auth0|no-org", string.Empty, string.Empty, string.Empty),
        }));
        // The user's data is repeated on every one of its rows.
        Assert.That(rows.Take(3).Select(r => string.Join("|", r.Take(13))).Distinct().Count(), Is.EqualTo(1));
        Assert.That(writer.RowsWritten, Is.EqualTo(4));
        Assert.That(writer.UsersWritten, Is.EqualTo(2));
        Assert.That(writer.Warnings[KindeImportWarnings.CsvCannotHoldSocialIdentity], Is.EqualTo(2), "counted per user, not per row");
    }

    [Test]
    public async Task OnlyTheFirstEmailPhoneAndUsernameFit_OthersAreCounted()
    {
        var user = new KindeUser { Id = "auth0|many" };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "first_name"));
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, "one@example.com", IsVerified: false));
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, "two@example.com", IsVerified: true));
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Phone, "+61555111555", IsVerified: true));
        user.Identities.Add(new KindeIdentity("oauth2:apple", "001.abc"));
        user.Identities.Add(new KindeIdentity("oauth2:github", "42"));
        user.Properties["kp_usr_city"] = "Sydney";
        var socialOnly = new KindeUser { Id = "auth0|social" };
        socialOnly.Identities.Add(new KindeIdentity("oauth2:github", "43"));
        var (paths, writer) = await WriteAllAsync(Options(KindeImportFileFormat.Csv), [user, socialOnly]);

        List<string[]> rows = ReadCsv(paths[0]).Skip(1).ToList();
        Assert.That(rows[0].Take(6), Is.EqualTo(new[] { "auth0|many", "one@example.com", "FALSE", "+61555111555", "TRUE", "first_name" }));
        Assert.That(rows[1].Take(6), Is.EqualTo(new[] { "auth0|social", "", "", "", "", "" }));
        Assert.That(writer.Warnings, Is.EqualTo(new Dictionary<string, long>
        {
            [KindeImportWarnings.CsvCannotHoldExtraIdentity] = 1,
            [KindeImportWarnings.CsvCannotHoldProperties] = 1,
            [KindeImportWarnings.CsvCannotHoldSocialIdentity] = 2,
            [KindeImportWarnings.CsvUserWithoutEmailOrPhone] = 1,
        }));
    }

    [Test]
    public async Task FormulaLikeValuesAreWrittenVerbatim()
    {
        var user = new KindeUser { Id = "auth0|f", FirstName = "=HYPERLINK(\"x\")", LastName = "@SUM(A1)" };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, "+x@example.com"));
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, "-2"));
        var (paths, _) = await WriteAllAsync(Options(KindeImportFileFormat.Csv), [user]);

        Assert.That(ReadLines(paths[0])[1], Is.EqualTo("auth0|f,+x@example.com,,,,-2,\"=HYPERLINK(\"\"x\"\")\",@SUM(A1),,,,,,,,"));
        string[] row = ReadCsv(paths[0])[1];
        Assert.That(row[6], Is.EqualTo("=HYPERLINK(\"x\")"));
        Assert.That(row[7], Is.EqualTo("@SUM(A1)"));
    }

    [Test]
    public async Task UnicodeAndAwkwardValuesRoundTrip()
    {
        var user = new KindeUser { Id = "auth0|u", FirstName = "Zoë 李小龍 😀", LastName = "Smith, \"Jr\"\nline two" };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, "zoë@例え.jp"));
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Username, " padded "));
        var (paths, _) = await WriteAllAsync(Options(KindeImportFileFormat.Csv), [user]);

        Assert.That(ReadText(paths[0]), Does.Contain("Zoë 李小龍 😀"));
        string[] row = ReadCsv(paths[0])[1];
        Assert.That(row[1], Is.EqualTo("zoë@例え.jp"));
        Assert.That(row[5], Is.EqualTo(" padded "));
        Assert.That(row[6], Is.EqualTo(user.FirstName));
        Assert.That(row[7], Is.EqualTo(user.LastName));
    }

    [Test]
    public async Task CarriageReturnInAValueIsQuoted()
    {
        var user = new KindeUser { Id = "auth0|cr", FirstName = "a\rb" };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, "cr@example.com"));
        var (paths, _) = await WriteAllAsync(Options(KindeImportFileFormat.Csv), [user]);

        Assert.That(ReadText(paths[0]), Does.Contain(",\"a\rb\","));
    }
}
