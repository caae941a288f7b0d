*** Settings ***
Documentation     Firmware update beyond the happy path (Object 5) against the CC2538 LwM2M client with
...               the bootloader (firmware-c/build/fota/lwm2m-client-fota-factory.elf): a package the
...               device must refuse, a pull driven step by step, a power cut inside the bootloader's
...               swap. Builtin emulator (flash operations are counted there); virtual time.
Library           rig.robot.RigLibrary
Test Setup        Start FOTA Rig
Test Teardown     Stop Rig
Test Timeout      ${TEST_TIMEOUT}
Test Tags         builtin-only

*** Variables ***
${TEST_TIMEOUT}   10 minutes
${FOTA}           ${CURDIR}/../firmware-c/build/fota

*** Keywords ***
Start FOTA Rig
    Start Rig    firmware=${FOTA}/lwm2m-client-fota-factory.elf
    Wait For Registration    timeout=60

*** Test Cases ***
Corrupt Package Is Refused With Result 5
    ${result}=    Update Firmware    ${FOTA}/lwm2m-client-fota-corrupt.img    method=pull
    ...           expected_result=Integrity check failure
    Should Be Equal    ${result}    Integrity check failure
    Resource Should Be    /5/0/3    0
    Resource Should Be    /3/0/3    1.0.0

Pull Step By Step
    ${uri}=    Publish Firmware    ${FOTA}/lwm2m-client-fota-2.0.0.img    name=v2.img
    Should Be Equal    ${uri}    coap://[fd00::1]:5683/fw/v2.img
    Write Resource    /5/0/1    ${uri}
    Advance Time    120
    Resource Should Be    /5/0/3    2
    Resource Should Be    /5/0/7    2.0.0
    Execute Resource    /5/0/2
    Wait For Registration    timeout=120
    Advance Time    5
    Resource Should Be    /3/0/3    2.0.0
    Resource Should Be    /5/0/5    1

Power Cut During The Swap Still Updates
    ${result}=    Update Firmware    ${FOTA}/lwm2m-client-fota-2.0.0.img    install=${False}
    Should Be Equal    ${result}    Initial
    Cut Power At Flash Operation    40    off_for=0.1
    Execute Resource    /5/0/2
    Wait For Registration    timeout=120
    Advance Time    5
    Resource Should Be    /3/0/3    2.0.0
    Resource Should Be    /5/0/5    1

Update Firmware Returns The Result Name
    ${result}=    Update Firmware    ${FOTA}/lwm2m-client-fota-2.0.0.img
    Should Be Equal    ${result}    Success
