using Kinde.Migration.Importing;
using Kinde.Migration.Target;
using Kinde.Migration.Tests.Helpers;

namespace Kinde.Migration.Tests.Importing;

[TestFixture]
public sealed class UserSpoolTests
{
    [Test]
    public async Task Spool_RoundTripsUsers_AndLeavesNoFileOfHashesOnDisk()
    {
        using var dir = new TempDirectory();
        var user = new KindeUser { Id = "auth0|1", FirstName = "Ada", Suspended = true };
        user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, "ada@example.com", true));
        user.Password = new KindePassword { HashedPassword = "$2a$10$abcdefghijklmnopqrstuuJ7vWXGZkzvz6Ffv1lWS9l9lpFLhxYp6", HashingMethod = "bcrypt" };
        user.Organizations.Add(new KindeOrganizationMembership("org_1") { Roles = ["admin"] });
        user.Properties["plan"] = "gold";
        user.SourceUserIds.Add("auth0|1");

        await using var spool = UserSpool.Create(dir.Path);
        await spool.WriteAsync(user, CancellationToken.None);

        if (!OperatingSystem.IsWindows())
        {
            Assert.That(Directory.GetFiles(dir.Path), Is.Empty, "the spool is unlinked while open, so a killed process leaves no hashes behind");
        }

        var batches = new List<IReadOnlyList<KindeUser>>();
        await foreach (var batch in spool.ReadBatchesAsync(10, CancellationToken.None))
        {
            batches.Add(batch);
        }

        var back = batches.Single().Single();
        Assert.That((back.Id, back.FirstName, back.Suspended, back.Email), Is.EqualTo(("auth0|1", "Ada", true, "ada@example.com")));
        Assert.That(back.Password!.HashedPassword, Is.EqualTo(user.Password.HashedPassword));
        Assert.That(back.Organizations.Single().Roles, Is.EqualTo(new[] { "admin" }));
        Assert.That(back.Properties["plan"], Is.EqualTo("gold"));
        Assert.That(back.SourceUserIds, Is.EqualTo(new[] { "auth0|1" }));
    }
}
