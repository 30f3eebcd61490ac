using Kinde.Migration;
using Kinde.Migration.Auth0;
using Kinde.Migration.Mapping;
using Kinde.Migration.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MyCompany.Migration;

public static class HostMigration
{
    public static async Task<MigrationReport> RunAsync(IConfiguration configuration, string users, string passwords, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddSingleton(new PlanCatalog(new HashSet<string> { "auth0|legacy-000123" }));
        services.AddKindeMigration(configuration.GetSection("KindeMigration"))   // binds MigrationOptions, validated
                .AddUserMapper<PlanMapper>()                                        // a DelegatingUserMapper, built by DI
                .AddUserMapper((auth0, kinde, context) => kinde.Properties["source"] = "auth0");

        await using var provider = services.BuildServiceProvider();
        var runner = provider.GetRequiredService<MigrationRunner>();
        return await runner.RunAsync(users, passwords, progress: null, cancellationToken);
    }
}

public sealed class PlanMapper(IUserMapper inner, PlanCatalog plans) : DelegatingUserMapper(inner)
{
    public override async ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default)
    {
        var result = await base.MapAsync(source, context, cancellationToken);
        if (result.User is { } user && plans.IsRetired(user.Id))
        {
            return MappingResult.Reject("the plan was retired; not migrated");
        }

        return result;
    }
}

public sealed record PlanCatalog(IReadOnlySet<string> RetiredUserIds)
{
    public bool IsRetired(string? userId) => userId is not null && RetiredUserIds.Contains(userId);
}
