"""Names and places for the demo workspace: countries with their cities, name pools and phones.

Plain data, no logic beyond small lookups. Invariants the generator relies on:
- every country code is ISO 3166-1 alpha-2 (what segments compare against: ``"DE"``, ``"SE"``);
- every city's region and IANA timezone belong to that country (Denver is in Colorado and on
  ``America/Denver``), so a contact's country, region, city and timezone agree;
- phone templates give E.164 numbers: ``+`` country code, then digits (``#`` is a random digit).
  Where a numbering plan reserves numbers for drama (UK 07700 900xxx, North America 555-01xx,
  Australia 0491 570 1xx, France 06 39 98 xx xx) the template uses that range, so the demo does
  not text real people in those countries;
- email domains are fictional (the reserved ``.example`` top-level domain, RFC 2606).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    region: str
    timezone: str
    phone: str = ""
    """A phone template for this city (North American area codes); empty: the country's."""


@dataclass(frozen=True)
class NamePool:
    first: tuple[str, ...]
    last: tuple[str, ...]


@dataclass(frozen=True)
class Country:
    code: str
    weight: int
    """Relative share of contacts from this country."""
    currency: str
    names: NamePool
    cities: tuple[City, ...]
    phones: tuple[str, ...]


# The tables below are laid out by hand, several names to a line.
# fmt: off
GERMAN = NamePool(
    first=(
        "Anna", "Lena", "Leonie", "Marie", "Sophie", "Laura", "Julia", "Katharina", "Hannah",
        "Sabine", "Petra", "Jürgen", "Lukas", "Jonas", "Felix", "Maximilian", "Paul", "Tobias",
        "Stefan", "Michael", "Thomas", "Andreas", "Florian", "Matthias", "Uwe", "Birgit",
    ),
    last=(
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
        "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann",
        "Lange", "Huber", "Gruber", "Steiner", "Moser", "Keller",
    ),
)

ENGLISH = NamePool(
    first=(
        "Olivia", "Emma", "Amelia", "Isla", "Ava", "Charlotte", "Emily", "Grace", "Sophia",
        "Chloe", "Jessica", "Sarah", "Oliver", "George", "Harry", "Jack", "James", "William",
        "Noah", "Liam", "Ethan", "Daniel", "Michael", "David", "Matthew", "Ryan", "Aiden",
        "Madison", "Tyler", "Zoe",
    ),
    last=(
        "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
        "Johnson", "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes",
        "Edwards", "Green", "Hall", "Wood", "Harris", "Martin", "Miller", "Anderson", "Clark",
        "Lewis", "Young", "Campbell", "O'Brien", "Murphy", "Nguyen", "Patel", "Garcia",
    ),
)

FRENCH = NamePool(
    first=(
        "Camille", "Léa", "Manon", "Chloé", "Inès", "Louise", "Juliette", "Élise", "Margaux",
        "Sophie", "Nathalie", "Hugo", "Lucas", "Louis", "Gabriel", "Arthur", "Jules", "Théo",
        "Nicolas", "Julien", "Antoine", "Pierre", "Mathieu", "François", "Jean-Luc",
    ),
    last=(
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
        "Dupont", "Lambert", "Bonnet", "Faure",
    ),
)

DUTCH = NamePool(
    first=(
        "Emma", "Julia", "Sophie", "Tess", "Fenna", "Anouk", "Lotte", "Sanne", "Eva", "Femke",
        "Daan", "Sem", "Lucas", "Levi", "Finn", "Bram", "Jesse", "Thijs", "Ruben", "Joris",
        "Pieter", "Willem",
    ),
    last=(
        "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
        "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
        "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra",
    ),
)

SWEDISH = NamePool(
    first=(
        "Alice", "Maja", "Elsa", "Astrid", "Wilma", "Freja", "Ebba", "Karin", "Ingrid", "Linnea",
        "Lars", "Erik", "Oscar", "William", "Hugo", "Axel", "Nils", "Johan", "Anders", "Magnus",
        "Björn", "Gustav",
    ),
    last=(
        "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
        "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Lindberg", "Lindqvist",
        "Lindström", "Bergström", "Holm", "Sandberg", "Åberg", "Ekström",
    ),
)

NORWEGIAN = NamePool(
    first=(
        "Nora", "Emma", "Ingrid", "Sofie", "Maja", "Thea", "Ida", "Sigrid", "Kari", "Solveig",
        "Jakob", "Emil", "Noah", "Filip", "Henrik", "Sander", "Magnus", "Ole", "Håkon", "Sindre",
        "Eirik", "Torbjørn",
    ),
    last=(
        "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
        "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
        "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Halvorsen", "Bakken", "Solberg",
    ),
)

DANISH = NamePool(
    first=(
        "Ida", "Freja", "Clara", "Karla", "Emma", "Sofie", "Mette", "Anne", "Lærke", "Signe",
        "Mads", "Frederik", "Oliver", "Lucas", "Mikkel", "Rasmus", "Søren", "Jens", "Niels",
        "Christian", "Anders", "Kasper",
    ),
    last=(
        "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
        "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
        "Thomsen", "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen",
    ),
)

FINNISH = NamePool(
    first=(
        "Aino", "Helmi", "Eveliina", "Sofia", "Emilia", "Venla", "Aada", "Hanna", "Satu",
        "Liisa", "Eino", "Väinö", "Onni", "Elias", "Leo", "Juhani", "Mikko", "Matti", "Antti",
        "Ville", "Jukka", "Pekka",
    ),
    last=(
        "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
        "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
        "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen",
    ),
)

SPANISH = NamePool(
    first=(
        "Lucía", "Sofía", "María", "Martina", "Paula", "Julia", "Carmen", "Elena", "Laura",
        "Ana", "Hugo", "Martín", "Pablo", "Alejandro", "Daniel", "Javier", "Sergio", "Carlos",
        "Manuel", "Diego", "Álvaro", "Jorge",
    ),
    last=(
        "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez",
        "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
        "Romero", "Navarro", "Torres", "Domínguez", "Ortega",
    ),
)

ITALIAN = NamePool(
    first=(
        "Giulia", "Sofia", "Aurora", "Alice", "Ginevra", "Francesca", "Chiara", "Martina",
        "Elena", "Valentina", "Leonardo", "Francesco", "Alessandro", "Lorenzo", "Matteo",
        "Andrea", "Marco", "Luca", "Giuseppe", "Davide", "Riccardo", "Niccolò",
    ),
    last=(
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
        "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano",
        "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana",
    ),
)

POLISH = NamePool(
    first=(
        "Zuzanna", "Julia", "Maja", "Zofia", "Hanna", "Aleksandra", "Natalia", "Katarzyna",
        "Agnieszka", "Małgorzata", "Jakub", "Antoni", "Jan", "Szymon", "Filip", "Kacper",
        "Piotr", "Krzysztof", "Tomasz", "Paweł", "Łukasz", "Michał",
    ),
    last=(
        "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
        "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
        "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski",
    ),
)


def _cities(region_city: str, timezone: str) -> tuple[City, ...]:
    """Cities of a single-timezone country from ``"City/Region; City/Region"``."""
    pairs = (item.strip().split("/") for item in region_city.split(";"))
    return tuple(City(city, region, timezone) for city, region in pairs)


COUNTRIES: tuple[Country, ...] = (
    Country(
        "DE", 18, "EUR", GERMAN,
        _cities(
            "Berlin/Berlin; Hamburg/Hamburg; München/Bayern; Nürnberg/Bayern;"
            " Köln/Nordrhein-Westfalen; Düsseldorf/Nordrhein-Westfalen; Frankfurt am Main/Hessen;"
            " Stuttgart/Baden-Württemberg; Leipzig/Sachsen; Dresden/Sachsen;"
            " Hannover/Niedersachsen; Bremen/Bremen",
            "Europe/Berlin",
        ),
        ("+49151########", "+49160#######", "+49170#######", "+49176########"),
    ),
    Country(
        "AT", 4, "EUR", GERMAN,
        _cities(
            "Wien/Wien; Graz/Steiermark; Linz/Oberösterreich; Salzburg/Salzburg;"
            " Innsbruck/Tirol",
            "Europe/Vienna",
        ),
        ("+43664#######", "+43676#######", "+43699########"),
    ),
    Country(
        "CH", 4, "CHF", GERMAN,
        _cities(
            "Zürich/Zürich; Basel/Basel-Stadt; Bern/Bern; Luzern/Luzern; Genève/Genève;"
            " Lausanne/Vaud",
            "Europe/Zurich",
        ),
        ("+4176#######", "+4178#######", "+4179#######"),
    ),
    Country(
        "GB", 12, "GBP", ENGLISH,
        _cities(
            "London/England; Manchester/England; Birmingham/England; Leeds/England;"
            " Bristol/England; Glasgow/Scotland; Edinburgh/Scotland; Cardiff/Wales;"
            " Belfast/Northern Ireland",
            "Europe/London",
        ),
        ("+447700900###",),
    ),
    Country(
        "US", 14, "USD", ENGLISH,
        (
            City("New York", "New York", "America/New_York", "+121255501##"),
            City("Boston", "Massachusetts", "America/New_York", "+161755501##"),
            City("Atlanta", "Georgia", "America/New_York", "+140455501##"),
            City("Miami", "Florida", "America/New_York", "+130555501##"),
            City("Chicago", "Illinois", "America/Chicago", "+131255501##"),
            City("Austin", "Texas", "America/Chicago", "+151255501##"),
            City("Denver", "Colorado", "America/Denver", "+130355501##"),
            City("Phoenix", "Arizona", "America/Phoenix", "+160255501##"),
            City("Seattle", "Washington", "America/Los_Angeles", "+120655501##"),
            City("San Francisco", "California", "America/Los_Angeles", "+141555501##"),
            City("Los Angeles", "California", "America/Los_Angeles", "+121355501##"),
        ),
        (),
    ),
    Country(
        "CA", 3, "CAD", ENGLISH,
        (
            City("Toronto", "Ontario", "America/Toronto", "+141655501##"),
            City("Ottawa", "Ontario", "America/Toronto", "+161355501##"),
            City("Montréal", "Quebec", "America/Toronto", "+151455501##"),
            City("Calgary", "Alberta", "America/Edmonton", "+140355501##"),
            City("Vancouver", "British Columbia", "America/Vancouver", "+160455501##"),
        ),
        (),
    ),
    Country(
        "AU", 2, "AUD", ENGLISH,
        (
            City("Sydney", "New South Wales", "Australia/Sydney"),
            City("Melbourne", "Victoria", "Australia/Melbourne"),
            City("Brisbane", "Queensland", "Australia/Brisbane"),
            City("Perth", "Western Australia", "Australia/Perth"),
            City("Adelaide", "South Australia", "Australia/Adelaide"),
        ),
        ("+614915701##",),
    ),
    Country(
        "FR", 8, "EUR", FRENCH,
        _cities(
            "Paris/Île-de-France; Lyon/Auvergne-Rhône-Alpes;"
            " Marseille/Provence-Alpes-Côte d'Azur; Nice/Provence-Alpes-Côte d'Azur;"
            " Toulouse/Occitanie; Nantes/Pays de la Loire; Bordeaux/Nouvelle-Aquitaine;"
            " Lille/Hauts-de-France",
            "Europe/Paris",
        ),
        ("+3363998####",),
    ),
    Country(
        "NL", 6, "EUR", DUTCH,
        _cities(
            "Amsterdam/Noord-Holland; Rotterdam/Zuid-Holland; Den Haag/Zuid-Holland;"
            " Utrecht/Utrecht; Eindhoven/Noord-Brabant; Groningen/Groningen",
            "Europe/Amsterdam",
        ),
        ("+316########",),
    ),
    Country(
        "SE", 5, "EUR", SWEDISH,
        _cities(
            "Stockholm/Stockholms län; Uppsala/Uppsala län; Göteborg/Västra Götalands län;"
            " Malmö/Skåne län",
            "Europe/Stockholm",
        ),
        ("+4670#######", "+4672#######", "+4673#######", "+4676#######"),
    ),
    Country(
        "NO", 3, "EUR", NORWEGIAN,
        _cities(
            "Oslo/Oslo; Bergen/Vestland; Trondheim/Trøndelag; Stavanger/Rogaland",
            "Europe/Oslo",
        ),
        ("+474#######", "+479#######"),
    ),
    Country(
        "DK", 3, "EUR", DANISH,
        _cities(
            "København/Hovedstaden; Aarhus/Midtjylland; Odense/Syddanmark;"
            " Aalborg/Nordjylland",
            "Europe/Copenhagen",
        ),
        ("+452#######", "+453#######", "+455#######"),
    ),
    Country(
        "FI", 2, "EUR", FINNISH,
        _cities(
            "Helsinki/Uusimaa; Espoo/Uusimaa; Tampere/Pirkanmaa; Turku/Varsinais-Suomi",
            "Europe/Helsinki",
        ),
        ("+35840#######", "+35845#######", "+35850#######"),
    ),
    Country(
        "ES", 6, "EUR", SPANISH,
        _cities(
            "Madrid/Comunidad de Madrid; Barcelona/Cataluña; Valencia/Comunidad Valenciana;"
            " Sevilla/Andalucía; Málaga/Andalucía; Bilbao/País Vasco",
            "Europe/Madrid",
        ),
        ("+346########",),
    ),
    Country(
        "IT", 6, "EUR", ITALIAN,
        _cities(
            "Roma/Lazio; Milano/Lombardia; Napoli/Campania; Torino/Piemonte;"
            " Bologna/Emilia-Romagna; Firenze/Toscana",
            "Europe/Rome",
        ),
        ("+39320#######", "+39333#######", "+39347#######", "+39389#######"),
    ),
    Country(
        "PL", 4, "EUR", POLISH,
        _cities(
            "Warszawa/Mazowieckie; Kraków/Małopolskie; Wrocław/Dolnośląskie;"
            " Gdańsk/Pomorskie; Poznań/Wielkopolskie; Łódź/Łódzkie",
            "Europe/Warsaw",
        ),
        ("+4850#######", "+4860#######", "+4869#######", "+4879#######"),
    ),
)

SALES_TEAMS: dict[str, tuple[str, ...]] = {
    "DACH": ("Jonas Weber", "Lena Hoffmann", "Stefan Gruber"),
    "Nordics": ("Erik Lindqvist", "Sofie Jensen"),
    "other": ("Olivia Bennett", "Marco Rossi", "Chloé Martin", "Daniel García"),
}
"""Account owners for leads and high-value customers, by the regions the sample journeys use."""

REGION_OF_COUNTRY = {"DE": "DACH", "AT": "DACH", "CH": "DACH"} | {
    code: "Nordics" for code in ("SE", "NO", "DK", "FI")
}

COMPANIES: tuple[str, ...] = (
    "Fabrikam", "Northwind Traders", "Adventure Works", "Tailspin Toys", "Wingtip Toys",
    "Litware", "Proseware", "Woodgrove Bank", "Alpine Ski House", "Coho Winery",
    "Fourth Coffee", "Lamna Healthcare", "Trey Research", "Wide World Importers",
    "Blue Yonder Airlines", "Margie's Travel", "Humongous Insurance", "Relecloud",
    "VanArsdel", "A. Datum", "Consolidated Messenger", "Lucerne Publishing",
    "Southridge Video", "Best For You Organics", "City Power & Light", "Graphic Design Institute",
)
"""Fictional companies (leads and a few business customers); each has a ``.example`` domain."""

MAIL_DOMAINS: tuple[str, ...] = (
    "mail.example", "post.example", "inbox.example", "webmail.example", "freemail.example",
    "net.example",
)
"""Fictional consumer mail providers."""

EMPLOYER = "Contoso"
EMPLOYER_DOMAIN = "contoso.example"
"""The demo's own company: employees have ``@contoso.example`` addresses (the Employees segment)."""

PRODUCTS: tuple[str, ...] = (
    "TS-1042", "TS-1187", "HD-2210", "JK-3305", "JK-3391", "SH-4410", "SH-4475", "BG-5120",
    "AC-6008", "AC-6051", "HM-7203", "HM-7288", "GF-8800",
)
"""Shop SKUs: T-shirts, hoodies, jackets, shoes, bags, accessories, home, gift cards."""

PAGES: tuple[str, ...] = (
    "/", "/new", "/sale", "/women", "/men", "/home", "/gift-cards", "/account", "/help",
    "/stores", "/blog",
)
# fmt: on
