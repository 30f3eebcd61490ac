using Kinde.Migration.Auth0;
using Kinde.Migration.Joining;
using Kinde.Migration.Mapping;
using Kinde.Migration.Pipeline;
using Kinde.Migration.Target;

namespace Kinde.Migration.Tests.Mapping;

[TestFixture]
public sealed class UserMapperChainTests
{
    private static readonly Auth0User Ada = new()
    {
        UserId = "auth0|65a1f202e4b0a1b2c3d4e5f6",
        Email = "ada.lovelace@example.com",
        EmailVerified = true,
        GivenName = "Ada",
        FamilyName = "Lovelace",
    };

    private List<string> _calls = [];

    [SetUp]
    public void SetUp() => _calls = [];

    [Test]
    public async Task FirstAddedIsOutermost()
    {
        var chain = new UserMapperChain()
            .Use(inner => new RecordingMapper(inner, "A", _calls))
            .Use(inner => new RecordingMapper(inner, "B", _calls))
            .Use(inner => new RecordingMapper(inner, "C", _calls));

        var mapper = chain.Build(new StubMapper(_calls));
        var result = await mapper.MapAsync(Ada, Context());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_calls, Is.EqualTo(new[] { "A>", "B>", "C>", "default", "<C", "<B", "<A" }));
            Assert.That(mapper, Is.InstanceOf<RecordingMapper>().With.Property(nameof(RecordingMapper.Name)).EqualTo("A"));
            Assert.That(result.User!.Properties["trail"], Is.EqualTo("CBA"), "each wrapper sees its inner mapper's result");
        }
    }

    [Test]
    public async Task EmptyChain_IsTheDefaultMapper()
    {
        var stub = new StubMapper(_calls);

        var mapper = new UserMapperChain().Build(stub);

        Assert.That(mapper, Is.SameAs(stub));
        await mapper.MapAsync(Ada, Context());
        Assert.That(_calls, Is.EqualTo(new[] { "default" }));
    }

    [Test]
    public async Task DelegatingMapper_EnrichesTheDefaultMappersResult()
    {
        var mapper = new UserMapperChain()
            .Use(inner => new PlanMapper(inner))
            .Build(new DefaultUserMapper(new MappingOptions()));

        var result = await mapper.MapAsync(Ada, Context());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsRejected, Is.False);
            Assert.That(result.User!.Id, Is.EqualTo(Ada.UserId), "the default mapping is kept");
            Assert.That(result.User.FirstName, Is.EqualTo("Ada"));
            Assert.That(result.User.Properties["plan"], Is.EqualTo("gold"));
        }
    }

    [Test]
    public async Task DelegatingMapper_CanReject()
    {
        var enricherCalls = 0;
        var mapper = new UserMapperChain()
            .Use((_, user, _) =>
            {
                enricherCalls++;
                user.Properties["never"] = "set";
            })
            .Use(inner => new RejectExampleDomainMapper(inner))
            .Build(new DefaultUserMapper(new MappingOptions()));

        var rejected = await mapper.MapAsync(new Auth0User { UserId = "auth0|x", Email = "someone@blocked.example" }, Context());
        var accepted = await mapper.MapAsync(Ada, Context());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rejected.IsRejected, Is.True);
            Assert.That(rejected.User, Is.Null);
            Assert.That(rejected.RejectionReasons, Is.EqualTo(new[] { "the blocked.example domain is not migrated" }));
            Assert.That(accepted.IsRejected, Is.False);
            Assert.That(accepted.User!.Properties["never"], Is.EqualTo("set"));
            Assert.That(enricherCalls, Is.EqualTo(1), "the enricher runs for the accepted user only");
        }
    }

    [Test]
    public async Task LambdaEnricher_IsNotCalledForRejectedUsers()
    {
        var called = false;
        var mapper = new UserMapperChain()
            .Use((_, _, _) => called = true)
            .Build(new DefaultUserMapper(new MappingOptions()));

        var result = await mapper.MapAsync(new Auth0User { Email = "no.id@example.com" }, Context());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.IsRejected, Is.True, "the default mapper rejects a user without user_id");
            Assert.That(called, Is.False);
        }
    }

    [Test]
    public async Task LambdaEnricher_ReceivesSourceUserAndContext()
    {
        var warnings = new List<string>();
        Auth0User? seenSource = null;
        MappingContext? seenContext = null;
        var context = Context(warnings);
        var mapper = new UserMapperChain()
            .Use((source, user, ctx) =>
            {
                seenSource = source;
                seenContext = ctx;
                user.Properties["source_email"] = source.Email!;
                ctx.AddWarning("custom_warning");
            })
            .Build(new DefaultUserMapper(new MappingOptions()));

        var result = await mapper.MapAsync(Ada, context);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(seenSource, Is.SameAs(Ada));
            Assert.That(seenContext, Is.SameAs(context));
            Assert.That(result.User!.Properties["source_email"], Is.EqualTo("ada.lovelace@example.com"));
            Assert.That(warnings, Is.EqualTo(new[] { "custom_warning" }));
        }
    }

    [Test]
    public async Task FullDelegate_CanShortCircuitWithoutCallingNext()
    {
        var stub = new StubMapper(_calls);
        var mapper = new UserMapperChain()
            .Use((source, _, next, _) => source.Email!.EndsWith("@example.com", StringComparison.Ordinal)
                ? ValueTask.FromResult(MappingResult.Reject("example.com users stay in Auth0"))
                : next())
            .Build(stub);

        var shortCircuited = await mapper.MapAsync(Ada, Context());
        Assert.That(_calls, Is.Empty, "the inner mapper was not called");

        var passedOn = await mapper.MapAsync(new Auth0User { UserId = "auth0|y", Email = "y@example.org" }, Context());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(shortCircuited.IsRejected, Is.True);
            Assert.That(shortCircuited.RejectionReasons, Is.EqualTo(new[] { "example.com users stay in Auth0" }));
            Assert.That(passedOn.IsRejected, Is.False);
            Assert.That(_calls, Is.EqualTo(new[] { "default" }));
        }
    }

    [Test]
    public async Task FullDelegate_CanReplaceTheResult()
    {
        var mapper = new UserMapperChain()
            .Use(async (source, context, next, ct) =>
            {
                var inner = await next();
                var user = new KindeUser { Id = "kp_" + inner.User!.Id };
                user.Identities.Add(new KindeIdentity(KindeIdentityTypes.Email, source.Email!, true));
                return MappingResult.Success(user);
            })
            .Build(new DefaultUserMapper(new MappingOptions()));

        var result = await mapper.MapAsync(Ada, Context());

        Assert.That(result.User!.Id, Is.EqualTo("kp_auth0|65a1f202e4b0a1b2c3d4e5f6"));
    }

    [Test]
    public async Task FullDelegate_ReceivesTheCancellationToken()
    {
        using var cts = new CancellationTokenSource();
        CancellationToken seen = default;
        var mapper = new UserMapperChain()
            .Use((_, _, next, ct) =>
            {
                seen = ct;
                return next();
            })
            .Build(new StubMapper(_calls));

        await mapper.MapAsync(Ada, Context(), cts.Token);

        Assert.That(seen, Is.EqualTo(cts.Token));
    }

    [Test]
    public async Task ReplaceDefault_TheReplacementIsInnermostAndTheDefaultIsNotCalled()
    {
        var replacementCalls = new List<string>();
        var chain = new UserMapperChain()
            .Use(inner => new RecordingMapper(inner, "A", _calls))
            .ReplaceDefault(_ => new StubMapper(replacementCalls, "replacement"));

        var mapper = chain.Build(new StubMapper(_calls));
        var result = await mapper.MapAsync(Ada, Context());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_calls, Is.EqualTo(new[] { "A>", "<A" }), "the default passed to Build is not called");
            Assert.That(replacementCalls, Is.EqualTo(new[] { "replacement" }));
            Assert.That(result.User!.Properties["trail"], Is.EqualTo("A"));
        }
    }

    [Test]
    public void FactoriesReceiveTheServiceProviderPassedToBuild()
    {
        var services = new FakeServiceProvider();
        IServiceProvider? seenByFactory = null;
        IServiceProvider? seenByReplacement = null;
        var chain = new UserMapperChain()
            .Use((inner, sp) =>
            {
                seenByFactory = sp;
                return new RecordingMapper(inner, "A", _calls);
            })
            .ReplaceDefault(sp =>
            {
                seenByReplacement = sp;
                return new StubMapper(_calls);
            });

        chain.Build(new StubMapper(_calls), services);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(seenByFactory, Is.SameAs(services));
            Assert.That(seenByReplacement, Is.SameAs(services));
        }
    }

    [Test]
    public void NullArguments_Throw()
    {
        var chain = new UserMapperChain();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => chain.Use((Func<IUserMapper, IUserMapper>)null!), Throws.ArgumentNullException);
            Assert.That(() => chain.Use((Func<IUserMapper, IServiceProvider?, IUserMapper>)null!), Throws.ArgumentNullException);
            Assert.That(() => chain.Use((Action<Auth0User, KindeUser, MappingContext>)null!), Throws.ArgumentNullException);
            Assert.That(
                () => chain.Use((Func<Auth0User, MappingContext, Func<ValueTask<MappingResult>>, CancellationToken, ValueTask<MappingResult>>)null!),
                Throws.ArgumentNullException);
            Assert.That(() => chain.ReplaceDefault(null!), Throws.ArgumentNullException);
            Assert.That(() => new PlanMapper(null!), Throws.ArgumentNullException);
            Assert.That(() => MappingResult.Reject(), Throws.ArgumentException);
        }
    }

    private static MappingContext Context(List<string>? warnings = null) =>
        new(MigrationMode.WithPasswords, new PasswordJoinResult(PasswordJoinOutcome.NotFound, null), warnings is null ? null : warnings.Add);

    /// <summary>Records entry and exit, and appends its name to the <c>trail</c> property on the way out.</summary>
    private sealed class RecordingMapper(IUserMapper inner, string name, List<string> calls) : DelegatingUserMapper(inner)
    {
        public string Name { get; } = name;

        public override async ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default)
        {
            calls.Add(Name + ">");
            var result = await base.MapAsync(source, context, cancellationToken);
            calls.Add("<" + Name);
            if (result.User is { } user)
            {
                user.Properties["trail"] = (user.Properties.TryGetValue("trail", out string? trail) ? trail : "") + Name;
            }

            return result;
        }
    }

    private sealed class StubMapper(List<string> calls, string name = "default") : IUserMapper
    {
        public ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default)
        {
            calls.Add(name);
            return ValueTask.FromResult(MappingResult.Success(new KindeUser { Id = source.UserId }));
        }
    }

    private sealed class PlanMapper(IUserMapper inner) : DelegatingUserMapper(inner)
    {
        public override async ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default)
        {
            var result = await base.MapAsync(source, context, cancellationToken);
            result.User?.Properties.Add("plan", "gold");
            return result;
        }
    }

    private sealed class RejectExampleDomainMapper(IUserMapper inner) : DelegatingUserMapper(inner)
    {
        public override async ValueTask<MappingResult> MapAsync(Auth0User source, MappingContext context, CancellationToken cancellationToken = default)
        {
            var result = await base.MapAsync(source, context, cancellationToken);
            return result.User?.Email?.EndsWith("@blocked.example", StringComparison.OrdinalIgnoreCase) == true
                ? MappingResult.Reject("the blocked.example domain is not migrated")
                : result;
        }
    }

    private sealed class FakeServiceProvider : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
