using Kinde.Migration.Target;

namespace Kinde.Migration.Tests.Target;

public class KindeUserTests
{
    [Test]
    public void OrganizationsAndProperties_AreMadeOnFirstUse_AndStayTheSame()
    {
        var user = new KindeUser();
        Assert.That(user.OrganizationsOrNull, Is.Null);
        Assert.That(user.PropertiesOrNull, Is.Null);

        var organizations = user.Organizations;
        var properties = user.Properties;
        Assert.That(organizations, Is.Empty);
        Assert.That(properties, Is.Empty);
        Assert.That(user.Organizations, Is.SameAs(organizations));
        Assert.That(user.Properties, Is.SameAs(properties));

        user.Properties["b"] = "1";
        Assert.That(user.PropertiesWithCapacity(8), Is.SameAs(properties));
        Assert.That(user.PropertiesOrNull, Is.SameAs(properties));
    }

    [Test]
    public void PropertiesWithCapacity_MakesAnOrdinalDictionary()
    {
        var user = new KindeUser();
        user.PropertiesWithCapacity(4)["Key"] = "1";

        Assert.That(user.Properties.ContainsKey("key"), Is.False);
        Assert.That(user.Properties["Key"], Is.EqualTo("1"));
    }
}
