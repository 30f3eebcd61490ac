using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;

namespace Kinde.Migration.Tests.Helpers;

/// <summary>An importer that keeps every user it is given, for assertions.</summary>
internal sealed class CapturingImporter : IKindeImporter
{
    public List<KindeUser> Users { get; } = [];

    public async Task<KindeImportResult> ImportAsync(IAsyncEnumerable<KindeUser> users, KindeImportContext context, CancellationToken cancellationToken = default)
    {
        await foreach (var user in users.WithCancellation(cancellationToken))
        {
            Users.Add(user);
        }

        var result = new KindeImportResult();
        result.Counters["captured"] = Users.Count;
        return result;
    }

    public KindeUser ById(string id) => Users.Single(u => u.Id == id);
}
