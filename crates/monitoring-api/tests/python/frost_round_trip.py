"""An unmodified SensorThings client (frost-sta-client from PyPI) against yingji:
create a Thing with a Location and a Datastream, post Observations, read them back filtered.
Usage: python frost_round_trip.py <base url of /sta/v1.1> <username> <password>"""
import datetime
import sys

import frost_sta_client as fsc
from geojson import Point

url, user, password = sys.argv[1:4]
service = fsc.SensorThingsService(url, auth_handler=fsc.AuthHandler(username=user, password=password))

location = fsc.Location(name="site", description="frost test site", encoding_type="application/geo+json",
                        location=Point((117.40, 40.04)))
thing = fsc.Thing(name="frost gauge", description="created by frost-sta-client",
                  properties={"town_code": "120119100"}, locations=[location])
service.create(thing)
assert thing.id is not None, "the client read the id from the Location header"

datastream = fsc.Datastream(
    name="rain", description="rain increments",
    observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
    unit_of_measurement=fsc.UnitOfMeasurement(name="millimetre", symbol="mm", definition=""),
    thing=thing,
    sensor=fsc.Sensor(name="bucket", description="tipping bucket", encoding_type="text/plain", metadata="none"),
    observed_property=fsc.ObservedProperty(name="precipitation", definition="rain", description="rain"))
service.create(datastream)

start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
for i in range(5):
    at = (start + datetime.timedelta(minutes=i)).isoformat()
    service.create(fsc.Observation(result=float(i), phenomenon_time=at, datastream=datastream))

found = service.observations().query().filter(
    "result ge 2 and Datastream/id eq {}".format(datastream.id)).orderby("result", "ASC").list()
results = [o.result for o in found]
assert results == [2.0, 3.0, 4.0], results
all_of_them = datastream.get_observations().query().list()
assert len(list(all_of_them)) == 5
print("ok", thing.id, datastream.id, results)
